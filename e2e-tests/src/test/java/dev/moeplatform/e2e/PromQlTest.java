package dev.moeplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The dashboards test is only as strict as its reading of PromQL: these are the shapes our queries use. */
class PromQlTest {

    @Test
    void findsEveryMetricAndNothingElse() {
        assertThat(PromQl.metricNames("""
                sum by (model, layer, expert) (rate(platform_inference_moe_expert_tokens_total{model=~"a|b", \
                layer=~".*"}[1m])) / ignoring (expert) group_left sum by (model, layer) \
                (rate(platform_inference_moe_expert_tokens_total[5m] offset 1h))""")
        ).containsExactly("platform_inference_moe_expert_tokens_total");
        assertThat(PromQl.metricNames("histogram_quantile(0.99, sum by (le) (rate(gw_seconds_bucket[5m]))) > 0.05"))
                .containsExactly("gw_seconds_bucket");
        assertThat(PromQl.metricNames("max by (instance) (buffered / capacity) > 0.5 and on() vector(1) * 1e6"))
                .containsExactly("buffered", "capacity");
        assertThat(PromQl.metricNames("topk(10, sum by (tenant, team) (increase(cost_total{a=\"x\"}[1h])))"))
                .containsExactly("cost_total");
        assertThat(PromQl.metricNames("up{job=~\".*(gateway|rag).*\"} == 0")).containsExactly("up");
    }

    @Test
    void fillsInGrafanasVariablesAsAllOverTheLastHour() {
        assertThat(PromQl.withGrafanaVariables(
                "sum(increase(c{tenant=~\"$tenant\", model=~\"${model}\"}[$__range])) / rate(d[$__rate_interval])"))
                .isEqualTo("sum(increase(c{tenant=~\".*\", model=~\".*\"}[1h])) / rate(d[1m])");
    }

    @Test
    void turnsLabelValuesIntoAQueryListingTheSameValues() {
        assertThat(PromQl.variableQuery("label_values(cost_total{tenant=~\".*\"}, team)"))
                .isEqualTo("count by (team) (cost_total{tenant=~\".*\"})");
    }
}
