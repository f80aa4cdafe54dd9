package io.replsentinel.divergence;

/** How the checker hashes a row on the server (see {@code ChunkSql}). */
public enum RowHash {
    /** CRC32 per row; a range's checksum packs the XOR and the sum of the CRCs into 64 bits. The cost of pt-table-checksum's. */
    crc32,
    /** The first 64 bits of each row's SHA-256, XORed: stronger per row, more CPU on the server. */
    sha2
}
