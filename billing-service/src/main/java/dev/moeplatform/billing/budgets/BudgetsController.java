package dev.moeplatform.billing.budgets;

import dev.moeplatform.billing.BillingProperties;
import dev.moeplatform.billing.access.Access;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.net.URI;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Monthly budgets. Administrators set them; a tenant reads its own. {@code /status} is what the gateway caches to
 * reserve requests against the remaining budget.
 */
@RestController
@RequestMapping("/v1/billing/budgets")
@Tag(name = "budgets", description = "Monthly budgets per tenant and team, their status and alerts")
class BudgetsController {

    private final Budgets budgets;
    private final BudgetMonitor monitor;
    private final WebhookOutbox outbox;
    private final List<Integer> defaultThresholds;

    BudgetsController(Budgets budgets, BudgetMonitor monitor, WebhookOutbox outbox, BillingProperties properties) {
        this.budgets = budgets;
        this.monitor = monitor;
        this.outbox = outbox;
        this.defaultThresholds = properties.budgets().defaultThresholds();
    }

    @GetMapping
    @Operation(summary = "Budgets of a tenant (administrators: of all tenants when none is named)")
    List<Budget> list(PlatformIdentity who, @RequestParam(required = false) String tenant) {
        String scoped = Access.tenantFor(who, tenant, true);
        return scoped == null ? budgets.all() : budgets.ofTenant(scoped);
    }

    /**
     * @param team absent: the budget covers the whole tenant
     * @param thresholds percentages that raise an alert; absent: the service's defaults (50, 80, 100)
     * @param webhookUrl this budget's alert receiver instead of the service-wide one
     */
    record BudgetRequest(
            @NotBlank @Size(max = 200) String tenant,
            @Size(min = 1, max = 200) String team,
            @NotNull @DecimalMin(value = "0.01") @Digits(integer = 12, fraction = 2) BigDecimal monthlyUsd,
            @Size(min = 1, max = 10) List<@NotNull Integer> thresholds,
            @Size(max = 2000) String webhookUrl) {
    }

    @PutMapping
    @Operation(summary = "Set the monthly budget of a tenant or one of its teams (replaces the existing one)")
    Budget save(PlatformIdentity who, @Valid @RequestBody BudgetRequest request) {
        Access.requireAdmin(who);
        List<Integer> thresholds = request.thresholds() == null ? defaultThresholds
                : request.thresholds().stream().distinct().sorted().toList();
        if (thresholds.stream().anyMatch(t -> t < 1 || t > 1000)) {
            throw new ApiException(new ApiError(400, "thresholds are percentages between 1 and 1000", "thresholds",
                    "invalid_value"));
        }
        if (request.webhookUrl() != null) {
            URI url;
            try {
                url = URI.create(request.webhookUrl());
            } catch (IllegalArgumentException e) {
                url = null;
            }
            if (url == null || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))
                    || url.getHost() == null) {
                throw new ApiException(new ApiError(400, "webhookUrl must be an absolute http(s) URL", "webhookUrl",
                        "invalid_value"));
            }
            if (!outbox.canSign()) {
                throw new ApiException(new ApiError(400, "webhooks need a signing secret: set "
                        + "platform.billing.alerts.webhook-secret (BILLING_ALERT_WEBHOOK_SECRET) on billing-service",
                        "webhookUrl", "webhooks_not_configured"));
            }
        }
        return budgets.save(request.tenant(), request.team(), request.monthlyUsd(), thresholds, request.webhookUrl());
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Remove a budget")
    void delete(PlatformIdentity who, @PathVariable long id) {
        Access.requireAdmin(who);
        if (!budgets.delete(id)) {
            throw new ApiException(ApiError.of(404, "no budget " + id, "budget_not_found"));
        }
    }

    @GetMapping("/status")
    @Operation(summary = "This month's spend, remaining amount and reached thresholds of each budget")
    List<BudgetStatus> status(PlatformIdentity who, @RequestParam(required = false) String tenant) {
        return monitor.status(Access.tenantFor(who, tenant, true));
    }

    @GetMapping("/alerts")
    @Operation(summary = "Thresholds reached, each once per budget and month")
    List<Budgets.Alert> alerts(PlatformIdentity who, @RequestParam(required = false) String tenant) {
        return budgets.alerts(Access.tenantFor(who, tenant, true));
    }
}
