package dev.kiamms.app.config;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the configuration records from a YAML node tree, one record at a time, so that every
 * problem is found in one pass: an unknown key, a wrong type or a value a record's constructor
 * refuses is noted with the line of its key, and binding goes on with the next section. Records
 * are matched generically (component names in snake case, {@code @JsonProperty} and
 * {@code @JsonAlias}); values that are not records, and records with their own Jackson creator,
 * are bound by Jackson from their subtree.
 */
final class RecordBinder {

    /** Stands for a value that could not be built; its problem is already noted. */
    private static final Object FAILED = new Object();

    private final JacksonSubtree jackson = new JacksonSubtree();
    private final Path file;
    private final List<ConfigProblem> problems;

    RecordBinder(Path file, List<ConfigProblem> problems) {
        this.file = file;
        this.problems = problems;
    }

    /** The bound value, or empty when a problem was noted. */
    <T> Optional<T> bind(Node root, Class<T> type) {
        Object value = bind(root, type, "", root == null ? 0 : YamlTree.line(root.getStartMark()));
        return value == FAILED ? Optional.empty() : Optional.ofNullable(type.cast(value));
    }

    /** @param line the line of the key whose value {@code node} is */
    private Object bind(Node node, Type type, String path, int line) {
        if (node == null || node instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
            return null;
        }
        Class<?> raw = rawClass(type);
        if (raw.isRecord() && !hasOwnCreator(raw)) {
            return bindRecord(node, raw, path, line);
        }
        if (List.class.equals(raw) && type instanceof ParameterizedType p) {
            return bindList(node, p.getActualTypeArguments()[0], path, line);
        }
        if (Map.class.equals(raw) && type instanceof ParameterizedType p && p.getActualTypeArguments()[0] == String.class) {
            return bindMap(node, p.getActualTypeArguments()[1], path, line);
        }
        return bindWithJackson(node, type, path, line);
    }

    private Object bindRecord(Node node, Class<?> type, String path, int line) {
        if (!(node instanceof MappingNode mapping)) {
            return problem(line, path, "must be a section of keys, not a single value");
        }
        RecordComponent[] components = type.getRecordComponents();
        Constructor<?> constructor = canonicalConstructor(type, components);
        Map<String, Integer> index = new LinkedHashMap<>();
        Set<String> primary = new TreeSet<>();
        for (int i = 0; i < components.length; i++) {
            for (String name : names(components[i], constructor.getParameters()[i])) {
                index.putIfAbsent(name, i);
            }
            primary.add(names(components[i], constructor.getParameters()[i]).get(0));
        }
        Object[] args = new Object[components.length];
        boolean failed = false;
        Set<Integer> given = new HashSet<>();
        Map<String, Integer> keyLines = new LinkedHashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            String key = YamlTree.keyText(t.getKeyNode());
            int keyLine = YamlTree.line(t.getKeyNode().getStartMark());
            String keyPath = YamlTree.join(path, key);
            Integer i = index.get(key);
            if (i == null) {
                problem(keyLine, keyPath, "unknown key (known keys here: " + String.join(", ", primary) + "); fix the spelling or remove it");
                failed = true;
                continue;
            }
            if (!given.add(i)) {
                continue; // written twice: already reported as a duplicate
            }
            keyLines.putIfAbsent(key, keyLine);
            Object value = bind(t.getValueNode(), components[i].getGenericType(), keyPath, keyLine);
            if (value == FAILED) {
                failed = true;
            } else {
                args[i] = value;
            }
        }
        try {
            // Built even when a key failed (its value left to the default), so the section's own
            // checks still run and their problems are listed with the others.
            Object built = constructor.newInstance(args);
            return failed ? FAILED : built;
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            // A null the record cannot take (an empty list item) throws without a message.
            String message = cause != null && cause.getMessage() != null ? cause.getMessage()
                    : "has an empty value where one is needed; fill it in or remove it";
            // Point at the key the message names, else at the section.
            Map.Entry<String, Integer> named = firstNamed(message, keyLines);
            return named == null ? problem(line, path, message) : problem(named.getValue(), YamlTree.join(path, named.getKey()), message);
        } catch (ReflectiveOperationException e) {
            return problem(line, path, "cannot be read (" + e.getMessage() + ")");
        }
    }

    private Object bindList(Node node, Type itemType, String path, int line) {
        if (!(node instanceof SequenceNode sequence)) {
            return problem(line, path, "must be a list (lines starting with '- ')");
        }
        List<Object> items = new ArrayList<>();
        boolean failed = false;
        List<Node> nodes = sequence.getValue();
        for (int i = 0; i < nodes.size(); i++) {
            int itemLine = YamlTree.line(nodes.get(i).getStartMark());
            if (nodes.get(i) instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) {
                // No list of the configuration has a use for an empty item.
                failed = true;
                problem(itemLine, path + "[" + i + "]", "is an empty list item; fill it in or remove its '-'");
                continue;
            }
            Object item = bind(nodes.get(i), itemType, path + "[" + i + "]", itemLine);
            failed |= item == FAILED;
            items.add(item);
        }
        return failed ? FAILED : items;
    }

    private Object bindMap(Node node, Type valueType, String path, int line) {
        if (!(node instanceof MappingNode mapping)) {
            return problem(line, path, "must be a section of keys, not a single value");
        }
        Map<String, Object> values = new LinkedHashMap<>();
        boolean failed = false;
        for (NodeTuple t : mapping.getValue()) {
            String key = YamlTree.keyText(t.getKeyNode());
            if (values.containsKey(key)) {
                continue; // written twice: already reported as a duplicate
            }
            Object value = bind(t.getValueNode(), valueType, YamlTree.join(path, key), YamlTree.line(t.getKeyNode().getStartMark()));
            failed |= value == FAILED;
            values.put(key, value);
        }
        return failed ? FAILED : values;
    }

    private Object bindWithJackson(Node node, Type type, String path, int line) {
        try {
            return jackson.read(node, type);
        } catch (JsonMappingException e) {
            String where = JacksonSubtree.path(e);
            Node at = JacksonSubtree.follow(node, e);
            int atLine = at == node ? line : YamlTree.line(at.getStartMark());
            return problem(atLine, where.isEmpty() ? path : (path + "." + where).replace(".[", "["), JacksonSubtree.explain(e));
        } catch (IOException | IllegalArgumentException e) {
            return problem(line, path, String.valueOf(e.getMessage()));
        }
    }

    private Object problem(int line, String key, String message) {
        if (!key.isEmpty() && message.startsWith(key + " ")) {
            message = message.substring(key.length() + 1); // the key is already in front
        }
        problems.add(new ConfigProblem(file, line, key, message));
        return FAILED;
    }

    /** The keys a record component answers to: its own name first, then its aliases. */
    private static List<String> names(RecordComponent c, java.lang.reflect.Parameter p) {
        List<String> names = new ArrayList<>();
        JsonProperty property = annotation(c, p, JsonProperty.class);
        names.add(property != null && !property.value().isEmpty() ? property.value()
                : new PropertyNamingStrategies.SnakeCaseStrategy().translate(c.getName()));
        JsonAlias alias = annotation(c, p, JsonAlias.class);
        if (alias != null) {
            names.addAll(Arrays.asList(alias.value()));
        }
        return names;
    }

    /** Annotations on a record component land on its accessor, field or constructor parameter, as their targets allow. */
    private static <A extends java.lang.annotation.Annotation> A annotation(RecordComponent c, java.lang.reflect.Parameter p, Class<A> type) {
        A a = p.getAnnotation(type);
        if (a == null) {
            a = c.getAccessor().getAnnotation(type);
        }
        if (a == null) {
            try {
                a = c.getDeclaringRecord().getDeclaredField(c.getName()).getAnnotation(type);
            } catch (NoSuchFieldException e) {
                // every component has its field
            }
        }
        return a;
    }

    private static Constructor<?> canonicalConstructor(Class<?> type, RecordComponent[] components) {
        try {
            Constructor<?> c = type.getDeclaredConstructor(Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
            c.setAccessible(true);
            return c;
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("a record always has its canonical constructor: " + type, e);
        }
    }

    /** A record that tells Jackson how to build it is left to Jackson. */
    private static boolean hasOwnCreator(Class<?> type) {
        if (type.isAnnotationPresent(JsonDeserialize.class)) {
            return true;
        }
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (c.isAnnotationPresent(JsonCreator.class)) {
                return true;
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (m.isAnnotationPresent(JsonCreator.class)) {
                return true;
            }
        }
        return false;
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p) {
            return (Class<?>) p.getRawType();
        }
        return Object.class;
    }

    /** Of the keys written in a section, the one a message names first (as a whole word), with its line. */
    private static Map.Entry<String, Integer> firstNamed(String message, Map<String, Integer> keyLines) {
        if (message == null) {
            return null;
        }
        Map.Entry<String, Integer> best = null;
        int bestAt = Integer.MAX_VALUE;
        for (Map.Entry<String, Integer> e : keyLines.entrySet()) {
            Matcher m = Pattern.compile("(?<![\\w])" + Pattern.quote(e.getKey()) + "(?![\\w])").matcher(message);
            if (m.find() && m.start() < bestAt) {
                bestAt = m.start();
                best = e;
            }
        }
        return best;
    }
}
