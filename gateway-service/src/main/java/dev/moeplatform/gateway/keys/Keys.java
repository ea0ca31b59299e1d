package dev.moeplatform.gateway.keys;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Service;

/** Creating and revoking API keys (blocking: called through {@code Blocking}). */
@Service
public class Keys {

    /** A key just created: {@code secret} is the whole key string, shown once. */
    public record Created(String secret, ApiKey key) {
    }

    private final KeyStore store;

    Keys(KeyStore store) {
        this.store = store;
    }

    public Created create(String tenant, String team, String name, List<String> allowedModels, Instant expiresAt,
            Integer rpmLimit, Long tpmLimit, BigDecimal monthlyBudgetUsd) {
        String secret = ApiKeys.generate();
        String id = ApiKeys.idOf(secret);
        store.insert(id, ApiKeys.sha256(secret), tenant, team, name, allowedModels, expiresAt, rpmLimit, tpmLimit,
                monthlyBudgetUsd);
        return new Created(secret, store.find(id).orElseThrow());
    }

    public Optional<ApiKey> revoke(String id) {
        return store.revoke(id) ? store.find(id) : Optional.empty();
    }
}
