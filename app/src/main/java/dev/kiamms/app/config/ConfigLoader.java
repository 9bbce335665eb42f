package dev.kiamms.app.config;

import dev.kiamms.app.KiamMsException;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Reads the YAML configuration; any problem becomes one line naming the file, the line and the key. */
public final class ConfigLoader {

    private final ObjectMapper yaml;

    public ConfigLoader() {
        this.yaml = YAMLMapper.builder(new YAMLFactory())
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
    }

    /**
     * @param file the configuration file; when it does not exist and {@code required} is false,
     *             the embedded defaults are used
     */
    public LoadedConfig load(Path file, boolean required) {
        if (file == null || !Files.exists(file)) {
            if (required) {
                throw new KiamMsException(KiamMsException.CONFIG,
                        "configuration file " + file + " does not exist; give an existing file with --config");
            }
            return new LoadedConfig(Settings.defaults(), null);
        }
        if (!Files.isReadable(file)) {
            throw new KiamMsException(KiamMsException.CONFIG,
                    "configuration file " + file + " is not readable by this user; fix its permissions");
        }
        try {
            byte[] content = Files.readAllBytes(file);
            Settings settings = isBlank(content) ? Settings.defaults() : yaml.readValue(content, Settings.class);
            return new LoadedConfig(settings == null ? Settings.defaults() : settings, file.toAbsolutePath().normalize());
        } catch (JsonProcessingException e) {
            throw new KiamMsException(KiamMsException.CONFIG, file + describe(e, readQuietly(file)), e);
        } catch (IOException e) {
            throw new KiamMsException(KiamMsException.CONFIG, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean isBlank(byte[] content) {
        for (String line : new String(content, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#") && !t.equals("---")) {
                return false;
            }
        }
        return true;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    static String describe(JsonProcessingException e, String content) {
        String where = at(e, content);
        if (e instanceof UnrecognizedPropertyException u) {
            String key = path(u, u.getPropertyName());
            return where + ": unknown key '" + key + "'" + known(u.getKnownPropertyIds())
                    + "; fix the spelling or remove it";
        }
        if (e instanceof ValueInstantiationException v && v.getCause() != null) {
            return where + ": " + v.getCause().getMessage();
        }
        if (e instanceof InvalidFormatException f) {
            return where + ": '" + path(f, null) + "' has value '" + f.getValue() + "', which is not "
                    + article(f.getTargetType());
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return where + ": '" + path(m, null) + "' must be " + article(m.getTargetType());
        }
        String message = e.getOriginalMessage();
        int nl = message == null ? -1 : message.indexOf('\n');
        return where + ": " + (nl < 0 ? message : message.substring(0, nl));
    }

    /**
     * The line of the offending key. The YAML parser reports where it stopped reading, which can
     * be the line after the key; the key itself is the nearest line at or above it that names it.
     */
    private static String at(JsonProcessingException e, String content) {
        JsonLocation location = e.getLocation();
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        int reported = location.getLineNr();
        String key = e instanceof JsonMappingException m && !m.getPath().isEmpty()
                ? m.getPath().get(m.getPath().size() - 1).getFieldName() : null;
        if (key != null) {
            String[] lines = content.split("\n", -1);
            for (int i = Math.min(reported, lines.length) - 1; i >= 0 && i >= reported - 5; i--) {
                String t = lines[i].strip();
                if (t.startsWith("- ")) {
                    t = t.substring(2).strip();
                }
                if (t.startsWith(key + ":") || t.startsWith("\"" + key + "\":") || t.startsWith("'" + key + "':")) {
                    return " line " + (i + 1);
                }
            }
        }
        return " line " + reported;
    }

    private static String path(JsonMappingException e, String last) {
        String p = e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
        return p.isEmpty() && last != null ? last : p;
    }

    private static String known(Collection<Object> ids) {
        if (ids == null || ids.isEmpty()) {
            return "";
        }
        TreeSet<String> names = new TreeSet<>();
        ids.forEach(id -> names.add(String.valueOf(id)));
        return " (known keys here: " + String.join(", ", names) + ")";
    }

    private static String article(Class<?> type) {
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a text value";
        }
        if (java.util.List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a section of keys";
    }
}
