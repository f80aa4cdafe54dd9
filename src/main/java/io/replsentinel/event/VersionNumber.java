package io.replsentinel.event;

/**
 * A server version as {@code major.minor.patch}: the one reading of a version text, used by the
 * poller to choose its statements and by the detectors to compare the versions a status carries.
 */
public record VersionNumber(int major, int minor, int patch) implements Comparable<VersionNumber> {

    /**
     * The first run of digits and up to two more after dots, as the pattern
     * {@code (\d+)(?:\.(\d+))?(?:\.(\d+))?} would find them; a part that is not there reads as 0,
     * and a text with no digits as {@code 0.0.0}. Read by hand because every status of every
     * replica asks. A number too large for an int fails as {@link Integer#parseInt} does.
     */
    public static VersionNumber parse(String version) {
        String v = version == null ? "" : version;
        int start = 0;
        while (start < v.length() && !digit(v.charAt(start))) {
            start++;
        }
        if (start == v.length()) {
            return new VersionNumber(0, 0, 0);
        }
        int[] numbers = new int[3];
        int end = digitsEnd(v, start);
        numbers[0] = Integer.parseInt(v, start, end, 10);
        for (int i = 1; i < 3 && end + 1 < v.length() && v.charAt(end) == '.' && digit(v.charAt(end + 1)); i++) {
            start = end + 1;
            end = digitsEnd(v, start);
            numbers[i] = Integer.parseInt(v, start, end, 10);
        }
        return new VersionNumber(numbers[0], numbers[1], numbers[2]);
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

    /** Whether this is {@code major.minor.patch} or later. */
    public boolean atLeast(int maj, int min, int pat) {
        return compareTo(new VersionNumber(maj, min, pat)) >= 0;
    }

    @Override
    public int compareTo(VersionNumber o) {
        if (major != o.major) {
            return Integer.compare(major, o.major);
        }
        if (minor != o.minor) {
            return Integer.compare(minor, o.minor);
        }
        return Integer.compare(patch, o.patch);
    }

    /** {@code 9.7.4}. */
    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
