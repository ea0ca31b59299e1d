package dev.moeplatform.gateway.calls;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the gateway needs to know about a model call before forwarding it, read from the request body.
 *
 * @param endpoint the usage event's endpoint name ({@code chat.completions}, {@code completions}, {@code embeddings})
 * @param model the requested model, or null when the body names none (the upstream then answers 400)
 * @param stream whether the client asked for server-sent events
 * @param clientWantsUsage whether a streaming client asked for the final usage chunk itself
 * @param body the parsed body, or null when it is not a JSON object (forwarded untouched)
 */
public record ModelCall(String endpoint, String model, boolean stream, boolean clientWantsUsage, ObjectNode body) {

    static ModelCall parse(String path, JsonNode json) {
        String endpoint = switch (path) {
            case "/v1/chat/completions" -> "chat.completions";
            case "/v1/completions" -> "completions";
            default -> "embeddings";
        };
        if (!(json instanceof ObjectNode body)) {
            return new ModelCall(endpoint, null, false, false, null);
        }
        JsonNode model = body.get("model");
        boolean stream = body.path("stream").asBoolean(false);
        boolean wantsUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        return new ModelCall(endpoint, model != null && model.isString() ? model.asString() : null, stream,
                wantsUsage, body);
    }
}
