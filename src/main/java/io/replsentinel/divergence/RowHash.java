package io.replsentinel.divergence;

/** How the checker hashes a row on the server (see {@code ChunkSql}). */
public enum RowHash {
    /** CRC32 per row, XORed over the range (32 bits, beside the row count): the cost of pt-table-checksum's. */
    crc32,
    /** The first 64 bits of each row's SHA-256, XORed: stronger per row, more CPU on the server. */
    sha2
}
