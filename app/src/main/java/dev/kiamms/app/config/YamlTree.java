package dev.kiamms.app.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A YAML text as SnakeYAML's node tree, which remembers where every key was written; the one
 * place that knows lines of keys. Syntax errors and duplicate keys become {@link ConfigProblem}s.
 */
public final class YamlTree {

    private YamlTree() {
    }

    /** The document's root node; null when the text has no document (empty or only comments) or a syntax error, which is added to {@code problems}. */
    static Node parse(Path file, String text, List<ConfigProblem> problems) {
        try {
            return new Yaml(new LoaderOptions()).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark at = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String context = e.getContext() == null ? "" : " (" + e.getContext()
                    + (e.getContextMark() == null ? "" : " at line " + line(e.getContextMark()) + ", column " + (e.getContextMark().getColumn() + 1))
                    + ")";
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            problems.add(new ConfigProblem(file, at == null ? 0 : line(at), at == null ? 0 : at.getColumn() + 1, "",
                    "YAML syntax error: " + oneLine(problem) + context + "; fix the indentation or quoting there"));
        } catch (YAMLException e) {
            problems.add(new ConfigProblem(file, 0, "", "YAML error: " + oneLine(e.getMessage())));
        }
        return null;
    }

    /** Every key written twice in the same mapping, at any depth: YAML forbids it, and silently taking one of them hides a mistake. */
    static void findDuplicates(Node node, String path, Path file, List<ConfigProblem> problems) {
        if (node instanceof MappingNode m) {
            Map<String, Integer> seen = new HashMap<>();
            for (NodeTuple t : m.getValue()) {
                String key = keyText(t.getKeyNode());
                String keyPath = join(path, key);
                Integer first = seen.putIfAbsent(key, line(t.getKeyNode().getStartMark()));
                if (first != null) {
                    problems.add(new ConfigProblem(file, line(t.getKeyNode().getStartMark()), keyPath,
                            "duplicate key (first written at line " + first + "); keep one of them"));
                }
                findDuplicates(t.getValueNode(), keyPath, file, problems);
            }
        } else if (node instanceof SequenceNode s) {
            List<Node> items = s.getValue();
            for (int i = 0; i < items.size(); i++) {
                findDuplicates(items.get(i), path + "[" + i + "]", file, problems);
            }
        }
    }

    /**
     * The line of a dotted key such as {@code mail.mtas} or {@code broker.tls.key}; 0 when the key
     * is not written in the text or the text is not valid YAML.
     */
    public static int lineOf(String yaml, String dottedKey) {
        Node node;
        try {
            node = new Yaml(new LoaderOptions()).compose(new StringReader(yaml));
        } catch (YAMLException e) {
            return 0;
        }
        int line = 0;
        for (String part : dottedKey.split("\\.")) {
            if (!(node instanceof MappingNode m)) {
                return 0;
            }
            NodeTuple found = m.getValue().stream().filter(t -> keyText(t.getKeyNode()).equals(part)).findFirst().orElse(null);
            if (found == null) {
                return 0;
            }
            line = line(found.getKeyNode().getStartMark());
            node = found.getValueNode();
        }
        return line;
    }

    static String keyText(Node key) {
        return key instanceof ScalarNode s ? s.getValue() : "?";
    }

    static int line(Mark mark) {
        return mark.getLine() + 1;
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\n\\s*", " ").strip();
    }
}
