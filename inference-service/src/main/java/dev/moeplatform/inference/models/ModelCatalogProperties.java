package dev.moeplatform.inference.models;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Positive;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The models this deployment serves, as an operator declares them ({@code platform.inference.models[n].*}, or
 * {@code PLATFORM_INFERENCE_MODELS_0_ID=...} from the environment). A bad entry stops start-up with a message
 * naming it, rather than surfacing later as a confusing request error. No entry at all serves the engine's bundled
 * synthetic model, so that a fresh checkout answers requests.
 */
@Validated
@ConfigurationProperties("platform.inference")
public record ModelCatalogProperties(@DefaultValue List<@Valid Model> models) {

    /**
     * @param id the name clients pass as {@code model}
     * @param backends which engines may compute it, in order of preference (the first is the one listed)
     * @param gguf the GGUF file the native engine loads; may be left out only for the bundled model's id
     * @param contextLength the most tokens (prompt plus completion) one request may use; null: the model's own
     * @param ownedBy the organisation shown in {@code owned_by}
     * @param vllmModel for the {@code vllm} backend: the name vLLM serves the model under; null: the same as id
     * @param vllmBaseUrl for the {@code vllm} backend: this model's own vLLM server; null:
     *     {@code platform.inference.vllm.base-url}
     */
    public record Model(
            @NotBlank String id,
            @NotEmpty List<Backend> backends,
            Path gguf,
            @Positive Integer contextLength,
            @DefaultValue("self-hosted") String ownedBy,
            String vllmModel,
            URI vllmBaseUrl) {
    }
}
