package dev.moeplatform.billing.reports;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UsageCsvTest {

    @Test
    void cellsAreQuotedPerRfc4180AndFormulasAreDefused() {
        assertThat(UsageCsv.cell("plain")).isEqualTo("plain");
        assertThat(UsageCsv.cell("a,b")).isEqualTo("\"a,b\"");
        assertThat(UsageCsv.cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(UsageCsv.cell("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
        assertThat(UsageCsv.cell("-12.5")).isEqualTo("-12.5");
        assertThat(UsageCsv.cell("@team")).isEqualTo("'@team");
        assertThat(UsageCsv.cell(null)).isEmpty();
    }
}
