package dev.moeplatform.billing.prices;

import dev.moeplatform.billing.access.Access;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The price book and hardware profiles. Everyone may read prices; only administrators change them. */
@RestController
@RequestMapping("/v1/billing")
@Tag(name = "prices", description = "Versioned prices per model and the hardware self-hosted prices derive from")
class PricesController {

    private final PriceBook book;
    private final InferenceThroughput throughput;

    PricesController(PriceBook book, InferenceThroughput throughput) {
        this.book = book;
        this.throughput = throughput;
    }

    @GetMapping("/prices")
    @Operation(summary = "Every price version, oldest first, optionally of one model")
    List<PriceVersion> versions(@RequestParam(required = false) String model) {
        return book.versions(model);
    }

    @GetMapping("/prices/current")
    @Operation(summary = "The version of each model in effect now (what the gateway caches)")
    List<PriceVersion> current() {
        return book.inEffect(Instant.now());
    }

    /** A commercial list price. */
    record ReferencePriceRequest(
            @NotBlank @Size(max = 200) String model,
            @NotNull @PositiveOrZero BigDecimal inputPerMillion,
            @PositiveOrZero BigDecimal cachedInputPerMillion,
            @NotNull @PositiveOrZero BigDecimal outputPerMillion,
            @NotNull Instant effectiveFrom,
            Instant effectiveTo,
            @NotBlank @Size(max = 500) String source,
            LocalDate sourceDate) {
    }

    @PostMapping("/prices")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Add a reference (commercial list) price version; it closes the model's previous version")
    PriceVersion addReference(PlatformIdentity who, @Valid @RequestBody ReferencePriceRequest request) {
        Access.requireAdmin(who);
        BigDecimal cached = request.cachedInputPerMillion() == null ? request.inputPerMillion()
                : request.cachedInputPerMillion();
        return book.append(new PriceVersion(0, request.model(), PriceVersion.REFERENCE, request.inputPerMillion(),
                cached, request.outputPerMillion(), request.effectiveFrom(), request.effectiveTo(), request.source(),
                request.sourceDate(), null));
    }

    /**
     * A self-hosted model's price, derived from a hardware profile and a throughput (entered, or measured by
     * inference-service when {@code tokensPerSecond} is absent).
     *
     * @param inputTokensPerSecond optional: price input tokens from their own (prefill) throughput
     * @param effectiveFrom a whole UTC hour; absent: the start of the current hour
     */
    record SelfHostedPriceRequest(
            @NotBlank @Size(max = 200) String model,
            @NotBlank String hardwareProfile,
            @Positive BigDecimal tokensPerSecond,
            @Positive BigDecimal inputTokensPerSecond,
            @NotNull @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") BigDecimal utilisation,
            Instant effectiveFrom) {
    }

    @PostMapping("/prices/self-hosted")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Derive and add a self-hosted price version from hardware cost and throughput")
    PriceVersion addSelfHosted(PlatformIdentity who, @Valid @RequestBody SelfHostedPriceRequest request) {
        Access.requireAdmin(who);
        HardwareProfile profile = book.hardwareProfile(request.hardwareProfile()).orElseThrow(() ->
                new ApiException(new ApiError(400, "no hardware profile '" + request.hardwareProfile() + "'; see GET "
                        + "/v1/billing/hardware-profiles", "hardwareProfile", "unknown_hardware_profile")));
        BigDecimal tokensPerSecond = request.tokensPerSecond();
        String throughputSource = "entered";
        if (tokensPerSecond == null) {
            InferenceThroughput.Measurement measured = throughput.measure(request.model());
            tokensPerSecond = measured.tokensPerSecond();
            throughputSource = measured.describe();
        }
        BigDecimal output = SelfHostedPricing.perMillionTokens(profile.usdPerHour(), profile.acceleratorCount(),
                tokensPerSecond, request.utilisation());
        BigDecimal input = request.inputTokensPerSecond() == null ? output : SelfHostedPricing.perMillionTokens(
                profile.usdPerHour(), profile.acceleratorCount(), request.inputTokensPerSecond(),
                request.utilisation());
        Instant from = request.effectiveFrom() != null ? request.effectiveFrom()
                : Instant.now().truncatedTo(ChronoUnit.HOURS);
        return book.append(new PriceVersion(0, request.model(), PriceVersion.SELF_HOSTED, input, input, output, from,
                null, "derived from hardware profile '" + profile.id() + "'", null,
                new PriceVersion.SelfHostedInputs(profile.id(), profile.accelerator(), profile.acceleratorCount(),
                        profile.usdPerHour(), tokensPerSecond, request.inputTokensPerSecond(), request.utilisation(),
                        throughputSource, SelfHostedPricing.FORMULA)));
    }

    @GetMapping("/hardware-profiles")
    @Operation(summary = "Hardware profiles self-hosted prices are derived from")
    List<HardwareProfile> hardwareProfiles() {
        return book.hardwareProfiles();
    }

    record HardwareProfileRequest(
            @NotBlank @Size(max = 200) String accelerator,
            @NotNull @Positive Integer acceleratorCount,
            @NotNull @PositiveOrZero BigDecimal usdPerHour,
            @NotBlank @Size(max = 500) String description) {
    }

    @PutMapping("/hardware-profiles/{id}")
    @Operation(summary = "Create or change a hardware profile (prices already derived from it keep their inputs)")
    HardwareProfile saveHardwareProfile(PlatformIdentity who, @PathVariable String id,
            @Valid @RequestBody HardwareProfileRequest request) {
        Access.requireAdmin(who);
        if (!id.matches("[a-z0-9][a-z0-9._-]{0,62}")) {
            throw new ApiException(new ApiError(400, "a hardware profile id is 1-63 lowercase letters, digits, '.', "
                    + "'_' or '-'", "id", "invalid_value"));
        }
        return book.saveHardwareProfile(new HardwareProfile(id, request.accelerator(), request.acceleratorCount(),
                request.usdPerHour(), request.description()));
    }
}
