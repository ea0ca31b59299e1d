package dev.moeplatform.inference.completions;

import dev.moeplatform.engine.SamplingParams.ResponseFormat;
import tools.jackson.databind.JsonNode;

/**
 * Chat's {@code response_format}: {@code {"type":"text"}} (the default) or {@code {"type":"json_object"}} (JSON
 * mode: the engine samples only tokens that keep the output a valid JSON object, see moe-engine's
 * {@code JsonConstraint}). {@code json_schema} (structured outputs) is refused with a 400 naming
 * {@code response_format}, not silently treated as JSON mode.
 */
final class ResponseFormats {

    private ResponseFormats() {
    }

    static ResponseFormat read(RequestFields fields) {
        return fields.node("response_format").map(format -> {
            JsonNode type = format.isObject() ? format.get("type") : null;
            if (type == null || !type.isString()) {
                throw RequestFields.wrongType("response_format", "an object with a string 'type'");
            }
            return switch (type.stringValue()) {
                case "text" -> ResponseFormat.TEXT;
                case "json_object" -> ResponseFormat.JSON_OBJECT;
                case "json_schema" -> throw RequestFields.unsupported("response_format", "response_format "
                        + "'json_schema' (structured outputs) is not supported yet: the output cannot be held to a "
                        + "schema on this platform so far. Use {\"type\": \"json_object\"} (JSON mode: any JSON "
                        + "object) or {\"type\": \"text\"}.");
                default -> throw RequestFields.invalid("response_format", "Invalid value for "
                        + "'response_format.type': '" + type.stringValue() + "'. Supported values are: 'text' and "
                        + "'json_object'.");
            };
        }).orElse(ResponseFormat.TEXT);
    }
}
