package dev.kiamms.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The one table: rows of figures with their target and PASS/MISS, as text and as JSON. */
final class Report {

    static final String PASS = "PASS";
    static final String MISS = "MISS";

    /** One line of the table; {@code data} holds the same figures as numbers for the JSON. */
    record Row(String section, String measurement, String value, String p50, String p99, String p999,
               String vsCeiling, String cpu, String target, String result, Map<String, Object> data) {
    }

    private static final String[] HEADERS = {"section", "measurement", "value", "p50 ms", "p99 ms", "p99.9 ms",
            "vs ceiling (rate, p99)", "CPU us/op server/nats/client", "target", "result"};

    final Map<String, Object> machine = new LinkedHashMap<>();
    final Map<String, Object> settings = new LinkedHashMap<>();
    final List<Row> rows = new ArrayList<>();
    final List<Object> cells = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    void add(Row row) {
        rows.add(row);
    }

    void note(String text) {
        notes.add(text);
    }

    String text() {
        StringBuilder s = new StringBuilder();
        s.append("kiam-ms benchmark, ").append(settings.get("date")).append('\n');
        machine.forEach((k, v) -> s.append(String.format(Locale.ROOT, "  %-16s %s%n", k, v)));
        s.append(String.format(Locale.ROOT, "  %-16s %s%n", "run", settings.get("summary")));
        s.append('\n');
        int[] w = new int[HEADERS.length];
        for (int i = 0; i < HEADERS.length; i++) {
            w[i] = HEADERS[i].length();
        }
        for (Row r : rows) {
            String[] c = cols(r);
            for (int i = 0; i < c.length; i++) {
                w[i] = Math.max(w[i], c[i].length());
            }
        }
        line(s, HEADERS, w);
        StringBuilder sep = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            sep.append(i == 0 ? "" : "-+-").append("-".repeat(w[i]));
        }
        s.append(sep).append('\n');
        String section = null;
        for (Row r : rows) {
            String[] c = cols(r);
            if (r.section().equals(section)) {
                c[0] = "";
            }
            section = r.section();
            line(s, c, w);
        }
        if (!notes.isEmpty()) {
            s.append('\n');
            for (String n : notes) {
                s.append("  * ").append(n).append('\n');
            }
        }
        return s.toString();
    }

    private static String[] cols(Row r) {
        return new String[]{r.section(), r.measurement(), r.value(), r.p50(), r.p99(), r.p999(), r.vsCeiling(), r.cpu(),
                r.target(), r.result()};
    }

    private static void line(StringBuilder s, String[] c, int[] w) {
        for (int i = 0; i < c.length; i++) {
            if (i > 0) {
                s.append(" | ");
            }
            boolean right = i >= 2 && i <= 5;
            String v = c[i] == null ? "" : c[i];
            s.append(right ? " ".repeat(w[i] - v.length()) + v : v + " ".repeat(w[i] - v.length()));
        }
        // no trailing blanks
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == ' ') {
            end--;
        }
        s.setLength(end);
        s.append('\n');
    }

    void write(Path json, Path txt) throws IOException {
        Files.createDirectories(json.getParent());
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("machine", machine);
        root.put("settings", settings);
        List<Map<String, Object>> rs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("section", r.section());
            m.put("measurement", r.measurement());
            m.put("value", r.value());
            m.put("target", r.target());
            m.put("result", r.result());
            m.putAll(r.data());
            rs.add(m);
        }
        root.put("rows", rs);
        root.put("cells", cells);
        root.put("notes", notes);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), root);
        Files.writeString(txt, text());
    }

    static String ms(double micros) {
        return String.format(Locale.ROOT, "%.3f", micros / 1000.0);
    }

    static String f0(double v) {
        return String.format(Locale.ROOT, "%,.0f", v);
    }

    static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
