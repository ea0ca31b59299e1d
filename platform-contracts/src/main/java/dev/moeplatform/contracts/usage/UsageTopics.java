package dev.moeplatform.contracts.usage;

/** Kafka topics of the usage pipeline. */
public final class UsageTopics {

    /** Usage events, one per model call, keyed by tenant (so one tenant's events stay in order on one partition). */
    public static final String USAGE_EVENTS = "usage.events";

    /**
     * Events the ledger refused, with the original bytes as the value and the reason in header
     * {@link #REASON_HEADER}; the original topic, partition and offset are in the {@code platform-dlt-origin} header.
     */
    public static final String USAGE_EVENTS_DEAD_LETTER = "usage.events.dlt";

    public static final String REASON_HEADER = "platform-dlt-reason";
    public static final String ORIGIN_HEADER = "platform-dlt-origin";

    private UsageTopics() {
    }
}
