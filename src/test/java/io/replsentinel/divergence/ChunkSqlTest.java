package io.replsentinel.divergence;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The checker's statements: every column hashed with its NULL marker, key ranges as row comparisons. */
class ChunkSqlTest {

    private final TableShape one = new TableShape(new TableRef("s", "t"), "PRIMARY", List.of("id"), List.of("id", "v"));
    private final TableShape two = new TableShape(new TableRef("s", "t`x"), "uk", List.of("a", "b"), List.of("a", "b", "c"));

    @Test
    void checksumHashesEveryColumnAsBytesWithNullMarkers() {
        String sql = new ChunkSql(one).checksum(KeyRange.ALL);
        String row = "CONCAT_WS('#', CAST(`id` AS BINARY), CAST(`v` AS BINARY), CONCAT(ISNULL(`id`), ISNULL(`v`)))";
        assertThat(sql).isEqualTo("SELECT COUNT(*), COALESCE(BIT_XOR(CRC32(" + row + ")), 0) FROM `s`.`t` FORCE INDEX (`PRIMARY`)");
        assertThat(new ChunkSql(one, RowHash.sha2).checksum(KeyRange.ALL)).startsWith(
                "SELECT COUNT(*), COALESCE(BIT_XOR(CAST(CONV(LEFT(SHA2(" + row + ", 256), 16), 16, 10) AS UNSIGNED)), 0) FROM");
    }

    @Test
    void typedShape_castsOnlyTextAndMarksOnlyNullableColumns() {
        TableShape typed = new TableShape(new TableRef("s", "t"), "PRIMARY", List.of("id"), List.of("id", "name", "qty"),
                java.util.Set.of("qty"), java.util.Set.of("name"), true);
        assertThat(new ChunkSql(typed).checksum(KeyRange.ALL)).isEqualTo("SELECT COUNT(*), COALESCE(BIT_XOR(CRC32("
                + "CONCAT_WS('#', `id`, CAST(`name` AS BINARY), `qty`, CONCAT(ISNULL(`qty`))))), 0) FROM `s`.`t` FORCE INDEX (`PRIMARY`)");
        TableShape noNulls = new TableShape(new TableRef("s", "t"), "PRIMARY", List.of("id"), List.of("id", "n"),
                java.util.Set.of(), java.util.Set.of(), true);
        assertThat(new ChunkSql(noNulls).checksum(KeyRange.ALL)).contains("CRC32(CONCAT_WS('#', `id`, `n`))");
        assertThat(new ChunkSql(noNulls).keyBounds()).isEqualTo("SELECT MIN(`id`), MAX(`id`) FROM `s`.`t` FORCE INDEX (`PRIMARY`)");
    }

    @Test
    void nullableNumbersAndDates_standAsTheLetterN_otherNullablesKeepTheirMarker() {
        TableShape typed = new TableShape(new TableRef("s", "t"), "PRIMARY", List.of("id"), List.of("id", "name", "qty", "at", "raw"),
                java.util.Set.of("name", "qty", "at", "raw"), java.util.Set.of("name"), java.util.Set.of("id", "qty", "at"), true);
        assertThat(new ChunkSql(typed).checksum(KeyRange.ALL)).isEqualTo("SELECT COUNT(*), COALESCE(BIT_XOR(CRC32("
                + "CONCAT_WS('#', `id`, CAST(`name` AS BINARY), IFNULL(`qty`, 'N'), IFNULL(`at`, 'N'), `raw`,"
                + " CONCAT(ISNULL(`name`), ISNULL(`raw`))))), 0) FROM `s`.`t` FORCE INDEX (`PRIMARY`)");
    }

    @Test
    void headOfASingleColumnKey_readsBoundAndChecksumInOneQuery() {
        assertThat(new ChunkSql(one).head(KeyRange.of(List.of("5"), null))).startsWith("SELECT COUNT(*), COALESCE(BIT_XOR(h), 0),"
                + " MAX(`id`) FROM (SELECT `id`, CRC32(").endsWith(" AS h FROM `s`.`t` FORCE INDEX (`PRIMARY`) WHERE `id` > ?"
                + " ORDER BY `id` LIMIT ?) c");
    }

    @Test
    void boundedRangeOfACompositeKey_isARowComparisonWithBothBounds() {
        KeyRange range = KeyRange.of(List.of("1", "x"), List.of("5", "y"));
        String sql = new ChunkSql(two).keyAt(range);
        assertThat(sql).isEqualTo("SELECT `a`, `b` FROM `s`.`t``x` FORCE INDEX (`uk`) WHERE (`a`, `b`) > (?, ?)"
                + " AND (`a`, `b`) <= (?, ?) ORDER BY `a`, `b` LIMIT 1 OFFSET ?");
        assertThat(ChunkSql.parameters(range)).containsExactly("1", "x", "5", "y");
    }

    @Test
    void openBounds_addNoCondition() {
        assertThat(new ChunkSql(one).rowHashes(KeyRange.of(null, List.of("9")))).endsWith(" WHERE `id` <= ? ORDER BY `id`");
        assertThat(ChunkSql.parameters(KeyRange.of(List.of("3"), null))).containsExactly("3");
    }
}
