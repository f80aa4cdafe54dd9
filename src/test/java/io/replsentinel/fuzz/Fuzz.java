package io.replsentinel.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A seeded mutation fuzzer for the fuzzed corpora: it derives malformed variants from well-formed
 * seeds (real status records, printed GTID sets) by breaking characters (flips, insertions of
 * delimiters, control characters, surrogates and digits, deletions, duplications, truncations) and,
 * for JSON, structure (fields removed, renamed, retyped, nested, huge numbers, wrong schema
 * versions). Every case is reproducible from its seed: {@code -Dfuzz.seed=N} replays a run,
 * {@code -Dfuzz.cases=N} sets how many cases a property runs (default {@value #DEFAULT_CASES}).
 */
public final class Fuzz {

    public static final int DEFAULT_CASES = 2_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] ODD = {"\"", "\\", "{", "}", "[", "]", ":", ",", "-", "\u0000", "\n", "\t", " ",
            "\uD800", "\uDFFF", "\u00e9", "\uFFFD", "0", "9", "-1", "1e309", "NaN", "null", "true", "99999999999999999999"};
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final long seed;
    private final SplittableRandom random;

    private Fuzz(long seed) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** A fuzzer on {@code -Dfuzz.seed}, else on a fresh seed (printed by {@link #toString}, e.g. in assertion messages). */
    public static Fuzz seeded() {
        String fixed = System.getProperty("fuzz.seed");
        return new Fuzz(fixed != null ? Long.parseLong(fixed) : System.nanoTime());
    }

    public static Fuzz seeded(long seed) {
        return new Fuzz(seed);
    }

    public static int cases() {
        return Integer.getInteger("fuzz.cases", DEFAULT_CASES);
    }

    public long seed() {
        return seed;
    }

    public SplittableRandom random() {
        return random;
    }

    public int nextInt(int bound) {
        return random.nextInt(bound);
    }

    public <T> T pick(List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    /** One to four character-level mutations of {@code text}. */
    public String mutateText(String text) {
        String s = text;
        int rounds = 1 + random.nextInt(4);
        for (int r = 0; r < rounds; r++) {
            int at = s.isEmpty() ? 0 : random.nextInt(s.length() + 1);
            switch (random.nextInt(7)) {
                case 0 -> s = s.substring(0, at) + ODD[random.nextInt(ODD.length)] + s.substring(at);
                case 1 -> s = s.substring(0, at) + (char) random.nextInt(0x20, 0x7f) + s.substring(Math.min(s.length(), at + 1));
                case 2 -> s = s.substring(0, at) + s.substring(Math.min(s.length(), at + 1 + random.nextInt(8)));
                case 3 -> s = s.substring(0, at);
                case 4 -> {
                    int end = Math.min(s.length(), at + 1 + random.nextInt(16));
                    s = s.substring(0, end) + s.substring(at, end) + s.substring(end);
                }
                case 5 -> s = s.substring(0, at) + (char) random.nextInt(0, 0x10000) + s.substring(at);
                default -> s = s.substring(0, at) + String.valueOf(random.nextLong()) + s.substring(at);
            }
        }
        return s;
    }

    /** Text of random characters and delimiters, from nothing up to 64 pieces. */
    public String noise() {
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(65);
        for (int i = 0; i < n; i++) {
            sb.append(random.nextBoolean() ? ODD[random.nextInt(ODD.length)] : String.valueOf((char) random.nextInt(0x20, 0x7f)));
        }
        return sb.toString();
    }

    /** A structural mutation of a JSON object (one to three changes), printed back to text. */
    public String mutateJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("seed is not JSON: " + json, e);
        }
        int rounds = 1 + random.nextInt(3);
        for (int r = 0; r < rounds; r++) {
            root = mutateNode(root, 0);
        }
        return root.toString();
    }

    /** Either kind: a structural JSON mutation, a character-level one, both, or plain noise. */
    public String mutateRecord(String json) {
        return switch (random.nextInt(10)) {
            case 0 -> noise();
            case 1, 2, 3 -> mutateText(json);
            case 4, 5 -> mutateText(mutateJson(json));
            default -> mutateJson(json);
        };
    }

    /** {@code count} variants of seeds mutated by {@code mutation}. */
    public List<String> corpus(List<String> seeds, int count, Function<String, String> mutation) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(mutation.apply(pick(seeds)));
        }
        return out;
    }

    private JsonNode mutateNode(JsonNode node, int depth) {
        if (node instanceof ObjectNode object && object.size() > 0 && (depth == 0 || random.nextInt(3) > 0)) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            String name = pick(names);
            switch (random.nextInt(6)) {
                case 0 -> object.remove(name);
                case 1 -> {
                    JsonNode value = object.remove(name);
                    object.set(random.nextBoolean() ? name.toUpperCase(java.util.Locale.ROOT) : name + "_", value);
                }
                case 2 -> object.set(name, randomValue(depth));
                case 3 -> object.putNull(name);
                case 4 -> object.set(name, mutateNode(object.get(name), depth + 1));
                default -> object.put("schemaVersion", random.nextInt(4) - 1);
            }
            return object;
        }
        if (node instanceof ArrayNode array && array.size() > 0 && random.nextBoolean()) {
            int i = random.nextInt(array.size());
            array.set(i, random.nextBoolean() ? randomValue(depth) : mutateNode(array.get(i), depth + 1));
            return array;
        }
        return randomValue(depth);
    }

    private JsonNode randomValue(int depth) {
        return switch (random.nextInt(depth > 4 ? 8 : 10)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> NODES.numberNode(random.nextLong());
            case 3 -> NODES.numberNode(new java.math.BigInteger(130, new java.util.Random(random.nextLong())));
            case 4 -> NODES.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(-5, 300)));
            case 5 -> NODES.textNode(noise());
            case 6 -> NODES.textNode(random.nextBoolean() ? "2026-13-45T99:99:99Z" : "");
            case 7 -> NODES.textNode(String.valueOf(random.nextInt()));
            case 8 -> {
                ArrayNode a = NODES.arrayNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    a.add(randomValue(depth + 1));
                }
                yield a;
            }
            default -> {
                ObjectNode o = NODES.objectNode();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    o.set(noise(), randomValue(depth + 1));
                }
                yield o;
            }
        };
    }

    @Override
    public String toString() {
        return "fuzz seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")";
    }
}
