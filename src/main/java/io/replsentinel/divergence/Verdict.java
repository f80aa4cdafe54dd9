package io.replsentinel.divergence;

/**
 * The outcome of comparing one range between the source and one replica.
 *
 * @param reason why it could not be decided, for {@link Kind#INCONCLUSIVE}
 */
record Verdict(Kind kind, ChunkSum source, ChunkSum replica, String reason) {

    enum Kind {
        /** The replica has the source's rows (it matched a checksum the source had at a fenced moment). */
        MATCH,
        /**
         * The replica differs and kept differing over the comparer's confirmations while the source's
         * rows did not change (with none, it differed after one fenced read: a candidate).
         */
        DIFFER,
        /** Not decided: the replica did not reach the fence, or the source's rows kept changing (hot). */
        INCONCLUSIVE
    }

    static Verdict match(ChunkSum s, ChunkSum r) {
        return new Verdict(Kind.MATCH, s, r, null);
    }

    static Verdict differ(ChunkSum s, ChunkSum r) {
        return new Verdict(Kind.DIFFER, s, r, null);
    }

    static Verdict inconclusive(ChunkSum s, ChunkSum r, String reason) {
        return new Verdict(Kind.INCONCLUSIVE, s, r, reason);
    }
}
