package io.replsentinel.rules;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Compares server versions as {@code major.minor.patch}. */
final class VersionNumbers {

    private static final Pattern NUMBERS = Pattern.compile("(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?");

    private VersionNumbers() {
    }

    static int[] parse(String version) {
        Matcher m = NUMBERS.matcher(version == null ? "" : version);
        if (!m.find()) {
            return new int[] {0, 0, 0};
        }
        return new int[] {Integer.parseInt(m.group(1)), m.group(2) == null ? 0 : Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3))};
    }

    static int compare(int[] a, int[] b) {
        for (int i = 0; i < 3; i++) {
            if (a[i] != b[i]) {
                return Integer.compare(a[i], b[i]);
            }
        }
        return 0;
    }
}
