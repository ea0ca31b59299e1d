package dev.moeplatform.e2e;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the dashboards and alerts test needs to know about a PromQL expression without a full parser: Grafana's
 * variables replaced by values Prometheus accepts, and the metric names it reads.
 */
final class PromQl {

    /** Grafana's built-in interval variables, as a dashboard over the last hour would fill them in. */
    private static final Pattern BUILT_IN = Pattern.compile(
            "\\$__(rate_interval|interval|range)\\b|\\$\\{__(rate_interval|interval|range)}");
    /** Template variables ({@code $tenant}, {@code ${model}}): every value, as "All" selects. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?[A-Za-z]\\w*}?");
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    /** Clauses whose parentheses hold label names, not expressions. */
    private static final Pattern LABEL_LIST = Pattern.compile(
            "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    /** An identifier that does not continue a number (1e6) or another name. */
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.:])[A-Za-z_:][\\w:]*");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
            "on", "ignoring", "group_left", "group_right", "inf", "nan", "atan2", "start", "end");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*(\\w+)\\s*\\)\\s*$");

    private PromQl() {
    }

    /** The expression as Grafana sends it for the last hour with every template variable on "All". */
    static String withGrafanaVariables(String expr) {
        Matcher builtIn = BUILT_IN.matcher(expr);
        StringBuilder out = new StringBuilder();
        while (builtIn.find()) {
            String name = builtIn.group(1) != null ? builtIn.group(1) : builtIn.group(2);
            builtIn.appendReplacement(out, name.equals("range") ? "1h" : "1m");
        }
        builtIn.appendTail(out);
        return VARIABLE.matcher(out).replaceAll(".*");
    }

    /**
     * A Grafana query variable's {@code label_values(selector, label)} as the PromQL that lists the same values;
     * other expressions are returned as they are.
     */
    static String variableQuery(String definition) {
        Matcher m = LABEL_VALUES.matcher(definition);
        return m.matches() ? "count by (" + m.group(2) + ") (" + m.group(1) + ")" : definition;
    }

    /** The metric names the expression selects (function names, keywords and label names are not). */
    static Set<String> metricNames(String expr) {
        String bare = STRING.matcher(expr).replaceAll("\"\"");
        bare = LABEL_MATCHERS.matcher(bare).replaceAll(" ");
        bare = RANGE.matcher(bare).replaceAll(" ");
        bare = LABEL_LIST.matcher(bare).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(bare);
        while (m.find()) {
            String name = m.group();
            boolean isCall = bare.substring(m.end()).stripLeading().startsWith("(");
            if (!isCall && !KEYWORDS.contains(name.toLowerCase())) {
                names.add(name);
            }
        }
        return names;
    }
}
