package io.replsentinel.binlog;

import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * SHA-256 over a transaction's row images in binlog order. Each row contributes its table, its
 * operation and its before and after images, every column as name, type tag and value in a fixed
 * encoding, so the digest depends only on the rows: the same transaction applied on a replica
 * gives the digest its source gave. A transaction without rows digests zero bytes
 * ({@link io.replsentinel.event.GtidEvent#EMPTY_DIGEST}). Values are hashed, never kept.
 */
final class RowsDigest {

    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] STRING_TAG = {'s'};
    private static final byte[] BYTES_TAG = {'b'};
    private final MessageDigest sha;
    /** The length prefix, reused: a digest is fed millions of short fields. */
    private final byte[] length = new byte[4];

    RowsDigest() {
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** Adds one row change: {@code op} is Debezium's {@code c}, {@code u} or {@code d}. */
    void row(String table, String op, Struct before, Struct after) {
        text("R");
        text(table);
        text(op);
        image(before);
        image(after);
    }

    String hex() {
        return "sha256:" + HEX.formatHex(sha.digest());
    }

    private void image(Struct image) {
        if (image == null) {
            text("-");
            return;
        }
        text("{");
        for (Field f : image.schema().fields()) {
            text(f.name());
            value(image.get(f));
        }
        text("}");
    }

    private void value(Object v) {
        if (v == null) {
            text("n");
        } else if (v instanceof byte[] b) {
            bytes(BYTES_TAG, b);
        } else if (v instanceof ByteBuffer buf) {
            ByteBuffer copy = buf.duplicate();
            byte[] b = new byte[copy.remaining()];
            copy.get(b);
            bytes(BYTES_TAG, b);
        } else if (v instanceof BigDecimal d) {
            text("d" + d.stripTrailingZeros().toPlainString());
        } else if (v instanceof Struct s) {
            image(s);
        } else if (v instanceof List<?> list) {
            text("[" + list.size());
            list.forEach(this::value);
        } else if (v instanceof Map<?, ?> map) {
            text("M" + map.size());
            new TreeMap<>(map).forEach((k, val) -> {
                value(k);
                value(val);
            });
        } else {
            // numbers, booleans, strings, dates as Connect gives them: the type is part of the value
            text(v.getClass().getSimpleName().charAt(0) + v.toString());
        }
    }

    private void text(String s) {
        bytes(STRING_TAG, s.getBytes(StandardCharsets.UTF_8));
    }

    private void bytes(byte[] tag, byte[] b) {
        sha.update(tag);
        int n = b.length;
        length[0] = (byte) (n >>> 24);
        length[1] = (byte) (n >>> 16);
        length[2] = (byte) (n >>> 8);
        length[3] = (byte) n;
        sha.update(length);
        sha.update(b);
    }
}
