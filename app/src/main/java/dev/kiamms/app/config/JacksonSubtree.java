package dev.kiamms.app.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.lang.reflect.Type;
import java.math.BigInteger;
import java.util.Set;
import java.util.TreeSet;

/**
 * Binds one YAML subtree with Jackson, for the values {@link RecordBinder} does not walk itself
 * (text, numbers, lists of them, records with their own creator), and says what a Jackson
 * error means and where in the subtree it is.
 */
final class JacksonSubtree {

    private final ObjectMapper mapper = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    Object read(Node node, Type type) throws IOException {
        return mapper.readerFor(mapper.constructType(type)).readValue(toJson(node));
    }

    /** What a Jackson binding error means, in the operator's words. */
    static String explain(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            Set<String> known = new TreeSet<>();
            if (u.getKnownPropertyIds() != null) {
                u.getKnownPropertyIds().forEach(id -> known.add(String.valueOf(id)));
            }
            return "unknown key" + (known.isEmpty() ? "" : " (known keys here: " + String.join(", ", known) + ")")
                    + "; fix the spelling or remove it";
        }
        if (e instanceof ValueInstantiationException v && v.getCause() != null) {
            return v.getCause().getMessage();
        }
        if (e instanceof InvalidFormatException f) {
            return "has value '" + f.getValue() + "', which is not " + article(f.getTargetType());
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return "must be " + article(m.getTargetType());
        }
        String message = e.getOriginalMessage();
        int nl = message == null ? -1 : message.indexOf('\n');
        return nl < 0 ? String.valueOf(message) : message.substring(0, nl);
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
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "a section of keys";
    }

    static String path(JsonMappingException e) {
        StringBuilder s = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                s.append(s.isEmpty() ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                s.append('[').append(r.getIndex()).append(']');
            }
        }
        return s.toString();
    }

    /** The node Jackson's error path leads to: for a mapping entry its key, so the line reported is the key's. */
    static Node follow(Node node, JsonMappingException e) {
        Node value = node;
        Node at = node;
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null && value instanceof MappingNode m) {
                NodeTuple t = m.getValue().stream()
                        .filter(x -> YamlTree.keyText(x.getKeyNode()).equals(r.getFieldName())).findFirst().orElse(null);
                if (t == null) {
                    return at;
                }
                at = t.getKeyNode();
                value = t.getValueNode();
            } else if (r.getIndex() >= 0 && value instanceof SequenceNode s && r.getIndex() < s.getValue().size()) {
                value = s.getValue().get(r.getIndex());
                at = value;
            } else {
                return at;
            }
        }
        return at;
    }

    /** A YAML subtree as Jackson's tree, with YAML's scalar types (42 is a number, "42" a text). */
    private static JsonNode toJson(Node node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (node instanceof MappingNode m) {
            ObjectNode o = f.objectNode();
            for (NodeTuple t : m.getValue()) {
                String key = YamlTree.keyText(t.getKeyNode());
                if (!o.has(key)) {
                    o.set(key, toJson(t.getValueNode()));
                }
            }
            return o;
        }
        if (node instanceof SequenceNode s) {
            ArrayNode a = f.arrayNode();
            s.getValue().forEach(item -> a.add(toJson(item)));
            return a;
        }
        ScalarNode s = (ScalarNode) node;
        String v = s.getValue();
        Tag tag = s.getTag();
        try {
            if (tag.equals(Tag.NULL)) {
                return f.nullNode();
            }
            // Only true and false are booleans (as in YAML 1.2): a password or name such as "no"
            // or "on" stays the text it was written as.
            if (tag.equals(Tag.BOOL) && (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false"))) {
                return f.booleanNode(v.equalsIgnoreCase("true"));
            }
            if (tag.equals(Tag.INT)) {
                BigInteger n = new BigInteger(v.replace("_", ""));
                return n.bitLength() < 32 ? f.numberNode(n.intValue()) : n.bitLength() < 64 ? f.numberNode(n.longValue()) : f.numberNode(n);
            }
            if (tag.equals(Tag.FLOAT)) {
                return f.numberNode(Double.parseDouble(v.replace("_", "")));
            }
        } catch (NumberFormatException e) {
            // An octal, hex or sexagesimal spelling: leave it as text, the binding says what it must be.
        }
        return f.textNode(v);
    }
}
