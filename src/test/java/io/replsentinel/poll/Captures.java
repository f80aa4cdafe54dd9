package io.replsentinel.poll;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads real server output captured with {@code \G} from {@code src/test/resources/captures}. */
public final class Captures {

    private static final Pattern FIELD = Pattern.compile("^\\s*([A-Za-z_@.()]+): ?(.*)$");

    private Captures() {
    }

    /** The rows of the {@code n}-th (0-based) section whose header contains {@code header}. */
    public static List<Row> section(String capture, String header, int n) {
        List<String> lines = lines(capture);
        int seen = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("====") && lines.get(i).contains(header) && seen++ == n) {
                return rows(lines.subList(i + 1, end(lines, i + 1)));
            }
        }
        throw new IllegalArgumentException("no section " + n + " with '" + header + "' in " + capture);
    }

    public static List<Row> section(String capture, String header) {
        return section(capture, header, 0);
    }

    private static int end(List<String> lines, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).startsWith("====")) {
                return i;
            }
        }
        return lines.size();
    }

    private static List<Row> rows(List<String> body) {
        List<Row> rows = new ArrayList<>();
        Map<String, String> current = new LinkedHashMap<>();
        String lastKey = null;
        for (String line : body) {
            if (line.startsWith("***")) {
                if (!current.isEmpty()) {
                    rows.add(new Row(current));
                }
                current = new LinkedHashMap<>();
                continue;
            }
            if (line.isBlank()) {
                continue;
            }
            Matcher m = FIELD.matcher(line);
            if (m.matches()) {
                lastKey = m.group(1);
                current.put(lastKey, m.group(2).equals("NULL") ? null : m.group(2));
            } else if (lastKey != null) {
                current.put(lastKey, current.get(lastKey) + "\n" + line.trim());
            }
        }
        if (!current.isEmpty()) {
            rows.add(new Row(current));
        }
        return rows;
    }

    private static List<String> lines(String capture) {
        try (InputStream in = Captures.class.getResourceAsStream("/captures/" + capture)) {
            if (in == null) {
                throw new IllegalArgumentException("no capture " + capture);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
