package dev.kiamms.app.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds the line of a dotted key ({@code mail.mtas.port}) in a YAML file by its indentation, so a
 * problem found after loading can still be reported where the operator has to fix it. Good enough
 * for the block style the shipped file uses; returns 0 when the key is not written in the file.
 */
public final class KeyLines {

    private KeyLines() {
    }

    public static int lineOf(String yaml, String dottedKey) {
        // The ancestry of the current line: indentation and key of each enclosing mapping key.
        List<Integer> indents = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        String[] lines = yaml.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String raw = lines[i];
            String t = raw.strip();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            int indent = raw.length() - raw.stripLeading().length();
            if (t.startsWith("- ")) {
                indent += 2; // a list item's keys belong to the list's key
                t = t.substring(2).strip();
            }
            int colon = t.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            while (!indents.isEmpty() && indents.get(indents.size() - 1) >= indent) {
                indents.remove(indents.size() - 1);
                keys.remove(keys.size() - 1);
            }
            indents.add(indent);
            keys.add(t.substring(0, colon).strip());
            if (String.join(".", keys).equals(dottedKey)) {
                return i + 1;
            }
        }
        return 0;
    }
}
