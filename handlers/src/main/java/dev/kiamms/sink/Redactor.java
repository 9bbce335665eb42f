package dev.kiamms.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Masks secrets in a JSON value before it is written anywhere: the value of every object member
 * whose key contains (case-insensitively) one of {@code password passwd secret token credential
 * authorization apikey api_key} becomes {@code "****"}, whatever it was (text, number, object,
 * array), at any depth, also inside arrays. Everything else is copied unchanged.
 *
 * <p>Keys match by substring on purpose: {@code newPassword}, {@code access_token} and
 * {@code client_secret} are secrets too; masking an innocent {@code tokenCount} is the cheaper
 * mistake. Free text is not searched: a secret inside a string value (a log message) stays.
 *
 * <p>Immutable and thread-safe; the input is never modified.
 */
public final class Redactor {

    public static final String MASK = "****";
    public static final Pattern DEFAULT_KEYS = Pattern.compile(
            "password|passwd|secret|token|credential|authorization|apikey|api_key", Pattern.CASE_INSENSITIVE);

    private static final Redactor STANDARD = new Redactor(DEFAULT_KEYS);
    private static final TextNode MASK_NODE = TextNode.valueOf(MASK);

    private final Pattern keys;

    /** @param keys found anywhere in a key (with {@link java.util.regex.Matcher#find()}) marks its value secret */
    public Redactor(Pattern keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /** The redactor with {@link #DEFAULT_KEYS}. */
    public static Redactor standard() {
        return STANDARD;
    }

    public boolean isSecret(String key) {
        return key != null && keys.matcher(key).find();
    }

    /** A copy of {@code value} with the secrets masked; null stays null. */
    public JsonNode redact(JsonNode value) {
        if (value == null) {
            return null;
        }
        if (value.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> member : value.properties()) {
                copy.set(member.getKey(), isSecret(member.getKey()) ? MASK_NODE : redact(member.getValue()));
            }
            return copy;
        }
        if (value.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode(value.size());
            for (JsonNode element : value) {
                copy.add(redact(element));
            }
            return copy;
        }
        // Scalars (and null) are immutable: no copy needed.
        return value;
    }
}
