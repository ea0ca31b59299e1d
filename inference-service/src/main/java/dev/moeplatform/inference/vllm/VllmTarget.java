package dev.moeplatform.inference.vllm;

import java.net.URI;

/**
 * Where one of our models is served by vLLM.
 *
 * @param modelId our id, what clients send and see as {@code model}
 * @param servedName the name vLLM knows the model by
 * @param baseUrl the vLLM server's OpenAI-compatible root, e.g. {@code http://vllm:8000/v1}
 */
record VllmTarget(String modelId, String servedName, URI baseUrl) {

    URI uri(VllmEndpoint endpoint) {
        String base = baseUrl.toString();
        return URI.create(base.endsWith("/") ? base + endpoint.path() : base + "/" + endpoint.path());
    }
}
