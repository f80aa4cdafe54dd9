package io.replsentinel.divergence;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Include and exclude settings, and a malformed table name stopping start-up with its key named. */
class TableFilterTest {

    @Test
    void includedSchemaMinusExcludedTable_isWhatIsChecked() {
        TableFilter f = new TableFilter(Optional.of(List.of("Shop")), Optional.empty(), Optional.empty(),
                Optional.of(List.of("shop.audit_log")));
        assertThat(f.accepts(new TableRef("shop", "orders"))).isTrue();
        assertThat(f.accepts(new TableRef("shop", "audit_log"))).isFalse();
        assertThat(f.accepts(new TableRef("crm", "orders"))).isFalse();
    }

    @Test
    void tableWithoutSchema_failsNamingTheKey() {
        assertThatThrownBy(() -> new TableFilter(Optional.empty(), Optional.empty(), Optional.of(List.of("orders")),
                Optional.empty())).hasMessageContaining("sentinel.divergence.include-tables").hasMessageContaining("'orders'");
    }
}
