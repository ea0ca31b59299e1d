package dev.moeplatform.inference.embeddings;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A checked {@code POST /v1/embeddings} body, read field by field so that a wrong type is a 400 naming its field
 * (not a silent coercion); fields OpenAI defines but this service has no use for ({@code user}) and unknown fields
 * are accepted and ignored.
 *
 * @param dimensions the requested length, or null for the model's own
 * @param truncate an input longer than the model's limit is embedded from its first tokens (Hugging Face TEI's
 *     {@code truncate}, what sentence-transformers does) instead of refused; false (the default) is OpenAI's 400
 */
record EmbeddingsRequest(String model, List<String> input, boolean base64, Integer dimensions, boolean truncate) {

    static EmbeddingsRequest from(JsonNode body, int maxInputs) {
        if (body == null || !body.isObject()) {
            throw invalid(null, "The request body must be a JSON object.");
        }
        JsonNode model = body.get("model");
        if (model == null || !model.isString() || model.asString().isBlank()) {
            throw invalid("model", "'model' must be the id of an embedding model, as a string.");
        }
        List<String> input = input(body.get("input"), maxInputs);
        boolean base64 = base64(body.get("encoding_format"));
        Integer dimensions = dimensions(body.get("dimensions"));
        checkUser(body.get("user"));
        return new EmbeddingsRequest(model.asString(), input, base64, dimensions, truncate(body.get("truncate")));
    }

    private static List<String> input(JsonNode input, int maxInputs) {
        if (input == null || input.isNull()) {
            throw invalid("input", "'input' is required: a string or an array of strings.");
        }
        if (input.isString()) {
            return List.of(nonEmpty(input.asString(), "'input'"));
        }
        if (!input.isArray()) {
            throw invalid("input", "'input' must be a string or an array of strings.");
        }
        if (input.isEmpty()) {
            throw invalid("input", "'input' must not be an empty array.");
        }
        if (input.size() > maxInputs) {
            throw invalid("input", "'input' has " + input.size() + " items; at most " + maxInputs + " are allowed.");
        }
        List<String> texts = new ArrayList<>(input.size());
        for (JsonNode item : input) {
            if (item.isIntegralNumber() || item.isArray()) {
                throw invalid("input", "'input' as token ids is not supported by this service; send text.");
            }
            if (!item.isString()) {
                throw invalid("input", "'input[" + texts.size() + "]' must be a string.");
            }
            texts.add(nonEmpty(item.asString(), "'input[" + texts.size() + "]'"));
        }
        return List.copyOf(texts);
    }

    private static String nonEmpty(String text, String what) {
        if (text.isEmpty()) {
            throw invalid("input", what + " must not be an empty string.");
        }
        return text;
    }

    private static boolean base64(JsonNode format) {
        if (format == null || format.isNull()) {
            return false;
        }
        if (format.isString() && (format.asString().equals("float") || format.asString().equals("base64"))) {
            return format.asString().equals("base64");
        }
        throw invalid("encoding_format", "'encoding_format' must be \"float\" or \"base64\".");
    }

    private static Integer dimensions(JsonNode dimensions) {
        if (dimensions == null || dimensions.isNull()) {
            return null;
        }
        if (!dimensions.isIntegralNumber() || !dimensions.canConvertToInt() || dimensions.asInt() < 1) {
            throw invalid("dimensions", "'dimensions' must be a positive integer.");
        }
        return dimensions.asInt();
    }

    private static boolean truncate(JsonNode truncate) {
        if (truncate == null || truncate.isNull()) {
            return false;
        }
        if (!truncate.isBoolean()) {
            throw invalid("truncate", "'truncate' must be true or false.");
        }
        return truncate.asBoolean();
    }

    private static void checkUser(JsonNode user) {
        if (user != null && !user.isNull() && !user.isString()) {
            throw invalid("user", "'user' must be a string.");
        }
    }

    static ApiException invalid(String param, String message) {
        return new ApiException(new ApiError(400, message, param, "invalid_value"));
    }
}
