package io.replsentinel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A failure's chain of causes, walked once for every place that reads it: classifying an error,
 * naming its root in a message, testing for a type. Safe against a cause that loops back.
 */
public final class Causes {

    private Causes() {
    }

    /** {@code error} and its causes, outermost first; empty for null. */
    public static List<Throwable> chain(Throwable error) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = error; t != null && seen.add(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /** The innermost cause of {@code error}: {@code error} itself when it has none. */
    public static Throwable root(Throwable error) {
        List<Throwable> chain = chain(error);
        return chain.isEmpty() ? null : chain.get(chain.size() - 1);
    }

    /** Whether {@code error} or one of its causes is a {@code type}. */
    public static boolean any(Throwable error, Class<? extends Throwable> type) {
        return chain(error).stream().anyMatch(type::isInstance);
    }
}
