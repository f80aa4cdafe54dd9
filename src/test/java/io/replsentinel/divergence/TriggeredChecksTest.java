package io.replsentinel.divergence;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The table a stopped applier names in its error text, on both flavors, is the one checked first. */
class TriggeredChecksTest {

    @Test
    void mariaDbApplierError_namesTheTable() {
        assertThat(TriggeredChecks.tablesIn("Could not execute Write_rows_v1 event on table lab.t; Duplicate entry '100'"
                + " for key 'PRIMARY', Error_code: 1062; handler error HA_ERR_FOUND_DUPP_KEY"))
                .containsExactly(new TableRef("lab", "t"));
    }

    @Test
    void mySqlWorkerError_namesTheTable() {
        assertThat(TriggeredChecks.tablesIn("Worker 1 failed executing transaction 'uuid:12' at source log binlog.000001,"
                + " end_log_pos 3170; Could not execute Delete_rows event on table shop.orders; Can't find record in"
                + " 'orders', Error_code: 1032")).containsExactly(new TableRef("shop", "orders"));
    }

    @Test
    void errorWithoutATable_namesNone() {
        assertThat(TriggeredChecks.tablesIn("Coordinator stopped because there were error(s) in the worker(s).")).isEmpty();
        assertThat(TriggeredChecks.tablesIn(null)).isEmpty();
    }
}
