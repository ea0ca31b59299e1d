package dev.moeplatform.inference.models;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The models this deployment serves, as an operator declares them ({@code platform.inference.models[n].*}, or
 * {@code PLATFORM_INFERENCE_MODELS_0_ID=...} from the environment). A bad entry stops start-up with a message
 * naming it, rather than surfacing later as a confusing request error.
 */
@Validated
@ConfigurationProperties("platform.inference")
public record ModelCatalogProperties(@DefaultValue List<@Valid Model> models) {

    /**
     * @param id the name clients pass as {@code model}
     * @param backend which engine computes it
     * @param contextLength the most tokens (prompt plus completion) one request may use
     * @param ownedBy the organisation shown in {@code owned_by}
     */
    public record Model(
            @NotBlank String id,
            @NotNull Backend backend,
            @Positive int contextLength,
            @DefaultValue("self-hosted") String ownedBy) {
    }
}
