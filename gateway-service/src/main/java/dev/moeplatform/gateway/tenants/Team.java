package dev.moeplatform.gateway.tenants;

import java.time.Instant;

/** A team inside a tenant: keys belong to a team, and usage and budgets can be broken down by team. */
public record Team(String tenant, String id, String name, Instant createdAt) {
}
