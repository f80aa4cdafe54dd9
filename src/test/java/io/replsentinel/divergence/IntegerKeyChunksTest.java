package io.replsentinel.divergence;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Chunks cut by key value: they tile the whole key space, follow the density, and survive gaps. */
class IntegerKeyChunksTest {

    @Test
    void chunksTileTheKeySpace_openAtBothEnds_andFollowTheMeasuredDensity() {
        IntegerKeyChunks walk = new IntegerKeyChunks("1", "10000");
        List<KeyRange> ranges = new ArrayList<>();
        KeyRange first = walk.next(1000);
        ranges.add(first);
        assertThat(first).isEqualTo(new KeyRange(Optional.empty(), Optional.of(List.of("1000"))));
        walk.measured(500); // one row per two key values
        KeyRange second = walk.next(1000);
        assertThat(second).isEqualTo(KeyRange.of(List.of("1000"), List.of("3000")));
        walk.measured(1000);
        while (!walk.done()) {
            ranges.add(walk.next(4000));
            walk.measured(2000);
        }
        assertThat(ranges.get(ranges.size() - 1).upper()).as("the last chunk is open above").isEmpty();
        assertThat(ranges.get(ranges.size() - 1).lower()).contains(List.of("3000"));
    }

    @Test
    void aStretchWithoutRows_widensTheNextChunk() {
        IntegerKeyChunks walk = new IntegerKeyChunks("1", "1000000000");
        walk.next(100);
        walk.measured(0);
        assertThat(walk.next(100)).isEqualTo(KeyRange.of(List.of("100"), List.of("900")));
    }

    @Test
    void anEmptyTable_isOneOpenChunk() {
        IntegerKeyChunks walk = new IntegerKeyChunks(null, null);
        assertThat(walk.next(1000)).isEqualTo(KeyRange.ALL);
        assertThat(walk.done()).isTrue();
    }

    @Test
    void unsignedBigintKeys_beyondLongRange_areCutExactly() {
        IntegerKeyChunks walk = new IntegerKeyChunks("18446744073709551000", "18446744073709551615");
        assertThat(walk.next(1000)).isEqualTo(KeyRange.ALL);
    }
}
