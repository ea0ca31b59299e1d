package dev.moeplatform.gateway.tenants;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/** A customer organisation; its limits (null: none) apply to all its keys together. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Tenant(String id, String name, Integer rpmLimit, Long tpmLimit, Instant createdAt) {
}
