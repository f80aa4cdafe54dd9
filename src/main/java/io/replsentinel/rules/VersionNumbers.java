package io.replsentinel.rules;

/** Compares server versions as {@code major.minor.patch}. */
final class VersionNumbers {

    private VersionNumbers() {
    }

    /**
     * The first run of digits and up to two more after dots, as the pattern
     * {@code (\d+)(?:\.(\d+))?(?:\.(\d+))?} would find them; read by hand because every status of
     * every replica asks. A number too large for an int fails as {@link Integer#parseInt} does.
     */
    static int[] parse(String version) {
        String v = version == null ? "" : version;
        int start = 0;
        while (start < v.length() && !digit(v.charAt(start))) {
            start++;
        }
        if (start == v.length()) {
            return new int[] {0, 0, 0};
        }
        int[] numbers = new int[3];
        int end = digitsEnd(v, start);
        numbers[0] = Integer.parseInt(v, start, end, 10);
        for (int i = 1; i < 3 && end + 1 < v.length() && v.charAt(end) == '.' && digit(v.charAt(end + 1)); i++) {
            start = end + 1;
            end = digitsEnd(v, start);
            numbers[i] = Integer.parseInt(v, start, end, 10);
        }
        return numbers;
    }

    private static int digitsEnd(String v, int from) {
        int i = from;
        while (i < v.length() && digit(v.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
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
