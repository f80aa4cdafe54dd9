package io.replsentinel.divergence;

/** A range's row count and the XOR of its rows' 64-bit hashes, as one server computed them. */
public record ChunkSum(long rows, long checksum) {

    /** The checksum as 16 hex digits, the form findings carry. */
    public String hex() {
        return String.format("%016x", checksum);
    }
}
