package dev.kiamms.app.health;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A strict reader of Prometheus' text exposition format 0.0.4, for the tests: every line is
 * checked against the format's rules, and a malformed one fails the test with its line number.
 */
final class Exposition {

    /** One sample line: {@code name{labels} value}. */
    record Sample(String name, Map<String, String> labels, double value, String rawValue) {
        String label(String key) {
            return labels.get(key);
        }
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME.pattern() + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME.pattern() + ") (counter|gauge|histogram|summary|untyped)");

    final List<Sample> samples = new ArrayList<>();
    final Map<String, String> types = new LinkedHashMap<>();
    final Map<String, String> help = new HashMap<>();

    private Exposition() {
    }

    static Exposition parse(String text) {
        Exposition e = new Exposition();
        assertTrue(text.isEmpty() || text.endsWith("\n"), "the text ends with a line feed");
        assertFalse(text.contains("\r"), "no carriage returns");
        String[] lines = text.split("\n", -1);
        String family = null; // the family whose samples may follow
        Set<String> closed = new HashSet<>(); // families whose samples are over
        Set<String> series = new HashSet<>();
        for (int i = 0; i < lines.length - 1; i++) {
            String line = lines[i];
            String where = "line " + (i + 1) + ": " + line;
            assertFalse(line.isEmpty(), where + " (empty line)");
            if (line.startsWith("#")) {
                Matcher h = HELP.matcher(line);
                Matcher t = TYPE.matcher(line);
                if (h.matches()) {
                    assertNull(e.help.put(h.group(1), unescapeHelp(h.group(2), where)), where + " (second HELP)");
                } else if (t.matches()) {
                    String name = t.group(1);
                    assertFalse(e.types.containsKey(name), where + " (second TYPE)");
                    assertTrue(e.samples.stream().noneMatch(s -> familyOf(s.name(), name, t.group(2))), where + " (TYPE after samples)");
                    e.types.put(name, t.group(2));
                    if (family != null) {
                        closed.add(family);
                    }
                    family = name;
                } else {
                    fail(where + " (a comment that is neither HELP nor TYPE)");
                }
                continue;
            }
            Sample s = sample(line, where);
            String owner = owner(e.types, s.name());
            assertNotNull(owner, where + " (no TYPE for this sample)");
            assertEquals(family, owner, where + " (the family's samples are not together)");
            assertFalse(closed.contains(owner), where);
            assertTrue(series.add(s.name() + s.labels()), where + " (the same series twice)");
            e.samples.add(s);
        }
        for (String name : e.types.keySet()) {
            assertTrue(e.help.containsKey(name), "HELP for " + name);
        }
        return e;
    }

    /** The samples with this name whose labels include these. */
    List<Sample> find(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    /** The value of the one sample with this name and exactly these labels. */
    double value(String name, Map<String, String> labels) {
        List<Sample> found = samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).toList();
        assertEquals(1, found.size(), name + labels + " in " + samples);
        return found.get(0).value();
    }

    /**
     * Checks every series of a histogram family: buckets in increasing {@code le} order ending
     * in +Inf, cumulative (never decreasing), {@code _count} equal to the +Inf bucket, one
     * {@code _sum}. Returns the label sets (without {@code le}) of the series found.
     */
    List<Map<String, String>> checkHistogram(String family) {
        assertEquals("histogram", types.get(family), family);
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        for (Sample s : samples) {
            if (s.name().equals(family + "_bucket")) {
                assertNotNull(s.label("le"), s + " has le");
                Map<String, String> key = new LinkedHashMap<>(s.labels());
                key.remove("le");
                buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            }
        }
        for (Map.Entry<Map<String, String>, List<Sample>> e : buckets.entrySet()) {
            List<Sample> b = e.getValue();
            assertEquals("+Inf", b.get(b.size() - 1).label("le"), "last bucket of " + e.getKey());
            for (int i = 1; i < b.size(); i++) {
                double le0 = le(b.get(i - 1).label("le"));
                double le1 = le(b.get(i).label("le"));
                assertTrue(le1 > le0, "le increasing in " + e.getKey() + ": " + le0 + ", " + le1);
                assertTrue(b.get(i).value() >= b.get(i - 1).value(), "cumulative in " + e.getKey() + " at le=" + le1);
            }
            double inf = b.get(b.size() - 1).value();
            assertEquals(inf, value(family + "_count", e.getKey()), "_count of " + e.getKey());
            assertTrue(value(family + "_sum", e.getKey()) >= 0, "_sum of " + e.getKey());
        }
        assertEquals(buckets.size(), samples.stream().filter(s -> s.name().equals(family + "_count")).count(),
                "a _count for every series of buckets");
        return List.copyOf(buckets.keySet());
    }

    private static double le(String le) {
        return le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
    }

    private static String owner(Map<String, String> types, String sampleName) {
        for (Map.Entry<String, String> t : types.entrySet()) {
            if (familyOf(sampleName, t.getKey(), t.getValue())) {
                return t.getKey();
            }
        }
        return null;
    }

    private static boolean familyOf(String sampleName, String family, String type) {
        if (type.equals("histogram")) {
            return sampleName.equals(family + "_bucket") || sampleName.equals(family + "_sum") || sampleName.equals(family + "_count");
        }
        return sampleName.equals(family);
    }

    private static Sample sample(String line, String where) {
        Matcher n = NAME.matcher(line);
        assertTrue(n.lookingAt(), where + " (no metric name)");
        String name = n.group();
        int i = n.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                Matcher ln = LABEL_NAME.matcher(line).region(i, line.length());
                assertTrue(ln.lookingAt(), where + " (label name at " + i + ")");
                String key = ln.group();
                i = ln.end();
                assertEquals('=', line.charAt(i), where);
                assertEquals('"', line.charAt(i + 1), where);
                i += 2;
                StringBuilder v = new StringBuilder();
                while (true) {
                    assertTrue(i < line.length(), where + " (unterminated label value)");
                    char c = line.charAt(i++);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        char x = line.charAt(i++);
                        switch (x) {
                            case '\\' -> v.append('\\');
                            case '"' -> v.append('"');
                            case 'n' -> v.append('\n');
                            default -> fail(where + " (escape \\" + x + " is not allowed in a label value)");
                        }
                    } else {
                        v.append(c);
                    }
                }
                assertNull(labels.put(key, v.toString()), where + " (label " + key + " twice)");
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        assertEquals(' ', line.charAt(i), where + " (one space before the value)");
        String raw = line.substring(i + 1);
        assertFalse(raw.contains(" "), where + " (no timestamps are written)");
        double value;
        switch (raw) {
            case "+Inf" -> value = Double.POSITIVE_INFINITY;
            case "-Inf" -> value = Double.NEGATIVE_INFINITY;
            case "NaN" -> value = Double.NaN;
            default -> {
                assertTrue(raw.matches("-?[0-9]+(\\.[0-9]+)?"), where + " (a plain number)");
                value = Double.parseDouble(raw);
            }
        }
        return new Sample(name, labels, value, raw);
    }

    private static String unescapeHelp(String text, String where) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                char x = text.charAt(++i);
                switch (x) {
                    case '\\' -> b.append('\\');
                    case 'n' -> b.append('\n');
                    default -> fail(where + " (escape \\" + x + " is not allowed in HELP)");
                }
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void assertNull(Object o, String message) {
        org.junit.jupiter.api.Assertions.assertNull(o, message);
    }
}
