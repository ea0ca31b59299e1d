package dev.moeplatform.billing.tenants;

import dev.moeplatform.billing.access.Access;
import dev.moeplatform.billing.prices.PriceBook;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** A tenant's billing settings: the tenant itself (or an administrator) picks its reference model. */
@RestController
@RequestMapping("/v1/billing/tenants/{tenant}/settings")
@Tag(name = "tenants", description = "Per-tenant billing settings")
class TenantSettingsController {

    record Settings(String tenant, String referenceModel) {
    }

    record SettingsRequest(@NotBlank String referenceModel) {
    }

    private final TenantSettings settings;
    private final PriceBook prices;

    TenantSettingsController(TenantSettings settings, PriceBook prices) {
        this.settings = settings;
        this.prices = prices;
    }

    @GetMapping
    @Operation(summary = "The tenant's settings")
    Settings get(PlatformIdentity who, @PathVariable String tenant) {
        String scoped = Access.tenantFor(who, tenant, false);
        return new Settings(scoped, settings.referenceModel(scoped));
    }

    @PutMapping
    @Operation(summary = "Pick the commercial model the tenant's savings are measured against")
    Settings put(PlatformIdentity who, @PathVariable String tenant, @Valid @RequestBody SettingsRequest request) {
        String scoped = Access.tenantFor(who, tenant, false);
        if (!prices.isReferenceModel(request.referenceModel())) {
            throw new ApiException(new ApiError(400, "'" + request.referenceModel() + "' is not a reference model in "
                    + "the price book; see GET /v1/billing/prices", "referenceModel", "unknown_reference_model"));
        }
        settings.setReferenceModel(scoped, request.referenceModel());
        return new Settings(scoped, request.referenceModel());
    }
}
