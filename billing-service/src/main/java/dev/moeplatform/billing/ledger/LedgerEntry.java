package dev.moeplatform.billing.ledger;

import dev.moeplatform.contracts.usage.UsageEvent;

/** A valid usage event and where on the topic it was read, as it is written to the ledger. */
record LedgerEntry(UsageEvent event, int partition, long offset) {
}
