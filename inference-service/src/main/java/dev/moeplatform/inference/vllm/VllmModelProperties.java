package dev.moeplatform.inference.vllm;

import java.net.URI;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The vLLM-specific fields of the model list an operator already writes ({@code platform.inference.models[n]}):
 * bound here, next to the code that uses them, so the catalog's own record stays as it is. Fields of the entry that
 * are not vLLM's are ignored by this binding.
 *
 * @param models the entries of {@code platform.inference.models}, in the same order
 */
@ConfigurationProperties("platform.inference")
public record VllmModelProperties(@DefaultValue List<Entry> models) {

    /**
     * @param id the model's id (as clients send it)
     * @param vllmModel the name vLLM serves the model under ({@code --served-model-name}); null: the same as id
     * @param vllmBaseUrl a vLLM server for this model only (vLLM serves one model per server); null: the shared
     *     {@code platform.inference.vllm.base-url}
     */
    public record Entry(String id, String vllmModel, URI vllmBaseUrl) {
    }
}
