package dev.moeplatform.gateway.admin;

import dev.moeplatform.gateway.Blocking;
import dev.moeplatform.gateway.keys.ApiKey;
import dev.moeplatform.gateway.keys.KeyCache;
import dev.moeplatform.gateway.keys.KeyStore;
import dev.moeplatform.gateway.keys.Keys;
import dev.moeplatform.gateway.tenants.Team;
import dev.moeplatform.gateway.tenants.Tenant;
import dev.moeplatform.gateway.tenants.TenantStore;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** Tenants, teams and API keys. Reached only with the administrator's token (see the admin filter). */
@RestController
@RequestMapping("/admin")
@Tag(name = "admin", description = "Tenants, teams, API keys and their limits")
class AdminController {

    static final String SLUG = "[a-z0-9][a-z0-9._-]{0,62}";

    private final TenantStore tenants;
    private final KeyStore keyStore;
    private final Keys keys;
    private final KeyCache cache;

    AdminController(TenantStore tenants, KeyStore keyStore, Keys keys, KeyCache cache) {
        this.tenants = tenants;
        this.keyStore = keyStore;
        this.keys = keys;
        this.cache = cache;
    }

    record TenantRequest(
            @NotBlank @Pattern(regexp = SLUG, message = "must be a lowercase slug (a-z, 0-9, '.', '_', '-')") String id,
            @NotBlank @Size(max = 200) String name,
            @Positive Integer rpmLimit,
            @Positive Long tpmLimit) {
    }

    @PostMapping("/tenants")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a tenant, optionally with tenant-wide requests/tokens per minute limits")
    Mono<Tenant> createTenant(@Valid @RequestBody TenantRequest request) {
        return Blocking.call(() -> {
            if (!tenants.create(request.id(), request.name(), request.rpmLimit(), request.tpmLimit())) {
                throw conflict("tenant '" + request.id() + "' exists");
            }
            return tenants.find(request.id()).orElseThrow();
        });
    }

    @GetMapping("/tenants")
    @Operation(summary = "All tenants")
    Mono<List<Tenant>> tenants() {
        return Blocking.call(tenants::all);
    }

    record LimitsRequest(@Size(max = 200) String name, @Positive Integer rpmLimit, @Positive Long tpmLimit) {
    }

    @PatchMapping("/tenants/{tenant}")
    @Operation(summary = "Rename a tenant or change its limits")
    Mono<Tenant> updateTenant(@PathVariable String tenant, @Valid @RequestBody LimitsRequest request) {
        return Blocking.call(() -> {
            if (!tenants.update(tenant, request.name(), request.rpmLimit(), request.tpmLimit())) {
                throw notFound("tenant '" + tenant + "'");
            }
            // Keys carry their tenant's limits in the cache: drop them so the new limits apply at once.
            keyStore.list(tenant, null).forEach(k -> cache.invalidate(k.id()).subscribe());
            return tenants.find(tenant).orElseThrow();
        });
    }

    record TeamRequest(
            @NotBlank @Pattern(regexp = SLUG, message = "must be a lowercase slug (a-z, 0-9, '.', '_', '-')") String id,
            @NotBlank @Size(max = 200) String name) {
    }

    @PostMapping("/tenants/{tenant}/teams")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a team in a tenant")
    Mono<Team> createTeam(@PathVariable String tenant, @Valid @RequestBody TeamRequest request) {
        return Blocking.call(() -> {
            if (tenants.find(tenant).isEmpty()) {
                throw notFound("tenant '" + tenant + "'");
            }
            if (!tenants.createTeam(tenant, request.id(), request.name())) {
                throw conflict("team '" + request.id() + "' exists in tenant '" + tenant + "'");
            }
            return tenants.teams(tenant).stream().filter(t -> t.id().equals(request.id())).findFirst().orElseThrow();
        });
    }

    @GetMapping("/tenants/{tenant}/teams")
    @Operation(summary = "The teams of a tenant")
    Mono<List<Team>> teams(@PathVariable String tenant) {
        return Blocking.call(() -> tenants.teams(tenant));
    }

    record KeyRequest(
            @NotBlank String tenant,
            @NotBlank String team,
            @NotBlank @Size(max = 200) String name,
            @Size(min = 1, max = 100) List<@NotBlank String> allowedModels,
            Instant expiresAt,
            @Positive Integer rpmLimit,
            @Positive Long tpmLimit,
            @DecimalMin("0.01") @Digits(integer = 12, fraction = 2) BigDecimal monthlyBudgetUsd) {
    }

    /** The new key with its secret, returned this once and never again. */
    record CreatedKey(String key, ApiKey details) {
    }

    @PostMapping("/keys")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create an API key; the response is the only time its secret is shown")
    Mono<CreatedKey> createKey(@Valid @RequestBody KeyRequest request) {
        if (request.expiresAt() != null && !request.expiresAt().isAfter(Instant.now())) {
            return Mono.error(new ApiException(new ApiError(400, "expiresAt must be in the future", "expiresAt",
                    "invalid_value")));
        }
        return Blocking.call(() -> {
            if (!tenants.teamExists(request.tenant(), request.team())) {
                throw new ApiException(new ApiError(400, "no team '" + request.team() + "' in tenant '"
                        + request.tenant() + "'; create it under /admin/tenants/{tenant}/teams", "team",
                        "unknown_team"));
            }
            Keys.Created created = keys.create(request.tenant(), request.team(), request.name(),
                    request.allowedModels(), request.expiresAt(), request.rpmLimit(), request.tpmLimit(),
                    request.monthlyBudgetUsd());
            return new CreatedKey(created.secret(), created.key());
        });
    }

    @GetMapping("/keys")
    @Operation(summary = "API keys (never their secrets), optionally of one tenant or team")
    Mono<List<ApiKey>> keys(@RequestParam(required = false) String tenant,
            @RequestParam(required = false) String team) {
        return Blocking.call(() -> keyStore.list(tenant, team));
    }

    @PostMapping("/keys/{id}/revoke")
    @Operation(summary = "Revoke a key; every gateway replica refuses it within a second")
    Mono<ApiKey> revoke(@PathVariable String id) {
        return Blocking.call(() -> keys.revoke(id).orElseThrow(() -> notFound("key '" + id + "'")))
                .flatMap(key -> cache.invalidate(id).thenReturn(key));
    }

    static ApiException conflict(String message) {
        return new ApiException(ApiError.of(409, message, "conflict"));
    }

    static ApiException notFound(String what) {
        return new ApiException(ApiError.of(404, "no " + what, "not_found"));
    }
}
