package dev.moeplatform.gateway.keys;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * An API key as stored (never its secret), with its tenant's limits, so that one read authorises a request.
 *
 * @param allowedModels null: every model
 * @param tenantRpmLimit the tenant's requests-per-minute limit (null: none); likewise {@code tenantTpmLimit}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiKey(
        String id,
        String display,
        String tenant,
        String team,
        String name,
        List<String> allowedModels,
        Instant expiresAt,
        Instant revokedAt,
        Integer rpmLimit,
        Long tpmLimit,
        BigDecimal monthlyBudgetUsd,
        Instant createdAt,
        @JsonIgnore Integer tenantRpmLimit,
        @JsonIgnore Long tenantTpmLimit,
        @JsonIgnore byte[] secretSha256) {

    public boolean allows(String model) {
        return allowedModels == null || allowedModels.contains(model);
    }

    /** Why the key cannot be used at {@code now}, or null when it can. */
    public String unusableReason(Instant now) {
        if (revokedAt != null) {
            return "This API key has been revoked.";
        }
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            return "This API key expired at " + expiresAt + ".";
        }
        return null;
    }
}
