package io.replsentinel.event;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One reading of a version text, for the poller and the detectors alike. */
class VersionNumberTest {

    @Test
    void serverTexts_readAsTheirLeadingNumbers_withoutDistributionSuffixes() {
        assertThat(VersionNumber.parse("9.7.4")).isEqualTo(new VersionNumber(9, 7, 4));
        assertThat(VersionNumber.parse("5.7.44-0ubuntu0.18.04.1-log")).isEqualTo(new VersionNumber(5, 7, 44));
        assertThat(VersionNumber.parse("10.11.14-MariaDB-0+deb12u2-log")).hasToString("10.11.14");
    }

    @Test
    void missingParts_readAsZero_andATextWithoutDigitsAsZeroZeroZero() {
        assertThat(VersionNumber.parse("10.11")).isEqualTo(new VersionNumber(10, 11, 0));
        assertThat(VersionNumber.parse("v8")).isEqualTo(new VersionNumber(8, 0, 0));
        assertThat(VersionNumber.parse("")).isEqualTo(new VersionNumber(0, 0, 0));
        assertThat(VersionNumber.parse(null)).isEqualTo(new VersionNumber(0, 0, 0));
    }

    @Test
    void aNumberTooLargeForAnInt_failsAsParseIntDoes() {
        assertThatThrownBy(() -> VersionNumber.parse("99999999999.1.1")).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void versions_orderByMajorThenMinorThenPatch() {
        assertThat(VersionNumber.parse("10.11.19")).isLessThan(VersionNumber.parse("11.8.3"));
        assertThat(VersionNumber.parse("8.0.9")).isLessThan(VersionNumber.parse("8.0.10"));
        assertThat(VersionNumber.parse("8.0.26").atLeast(8, 0, 26)).isTrue();
        assertThat(VersionNumber.parse("8.0.25").atLeast(8, 0, 26)).isFalse();
    }
}
