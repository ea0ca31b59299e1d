package dev.moeplatform.inference.completions;

import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import tools.jackson.databind.JsonNode;

/**
 * Typed reads of a request body's fields, each failing with a 400 that names the field as OpenAI's {@code param}.
 * An absent field and an explicit JSON null both mean "not given", as in OpenAI's API; fields nobody reads are
 * ignored.
 */
final class RequestFields {

    private final JsonNode body;

    private RequestFields(JsonNode body) {
        this.body = body;
    }

    static RequestFields of(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new ApiException(new ApiError(400, "The request body must be a JSON object.", null,
                    "invalid_request_body"));
        }
        return new RequestFields(body);
    }

    static ApiException invalid(String param, String message) {
        return new ApiException(new ApiError(400, message, param, "invalid_value"));
    }

    static ApiException wrongType(String param, String expected) {
        return new ApiException(new ApiError(400, "Invalid type for '" + param + "': expected " + expected + ".",
                param, "invalid_type"));
    }

    static ApiException unsupported(String param, String message) {
        return new ApiException(new ApiError(400, message, param, "unsupported_parameter"));
    }

    /** The raw node of a field, or empty when absent or null. */
    Optional<JsonNode> node(String name) {
        JsonNode node = body.get(name);
        return node == null || node.isNull() ? Optional.empty() : Optional.of(node);
    }

    JsonNode required(String name) {
        return node(name).orElseThrow(() -> new ApiException(new ApiError(400,
                "Missing required parameter: '" + name + "'.", name, "missing_required_parameter")));
    }

    String requiredString(String name) {
        JsonNode node = required(name);
        if (!node.isString()) {
            throw wrongType(name, "a string");
        }
        return node.stringValue();
    }

    Optional<String> string(String name) {
        return node(name).map(node -> {
            if (!node.isString()) {
                throw wrongType(name, "a string");
            }
            return node.stringValue();
        });
    }

    boolean bool(String name, boolean otherwise) {
        return node(name).map(node -> {
            if (!node.isBoolean()) {
                throw wrongType(name, "a boolean");
            }
            return node.booleanValue();
        }).orElse(otherwise);
    }

    OptionalDouble number(String name, double min, double max) {
        Optional<JsonNode> node = node(name);
        if (node.isEmpty()) {
            return OptionalDouble.empty();
        }
        if (!node.get().isNumber()) {
            throw wrongType(name, "a number");
        }
        return OptionalDouble.of(inRange(name, node.get().doubleValue(), min, max));
    }

    OptionalInt integer(String name, int min, int max) {
        Optional<JsonNode> node = node(name);
        if (node.isEmpty()) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(integerValue(name, node.get(), min, max));
    }

    OptionalLong longInteger(String name) {
        Optional<JsonNode> node = node(name);
        if (node.isEmpty()) {
            return OptionalLong.empty();
        }
        if (!node.get().isNumber() || !node.get().canConvertToExactIntegral() || !node.get().canConvertToLong()) {
            throw wrongType(name, "an integer");
        }
        return OptionalLong.of(node.get().longValue());
    }

    /** A string or an array of strings (OpenAI's {@code stop}), at most {@code maxItems}, none empty. */
    List<String> stringOrStrings(String name, int maxItems) {
        Optional<JsonNode> node = node(name);
        if (node.isEmpty()) {
            return List.of();
        }
        List<String> values = new ArrayList<>();
        if (node.get().isString()) {
            values.add(node.get().stringValue());
        } else if (node.get().isArray()) {
            for (int i = 0; i < node.get().size(); i++) {
                JsonNode item = node.get().get(i);
                if (!item.isString()) {
                    throw wrongType(name + "[" + i + "]", "a string");
                }
                values.add(item.stringValue());
            }
        } else {
            throw wrongType(name, "a string or an array of strings");
        }
        if (values.size() > maxItems) {
            throw invalid(name, "'" + name + "' may hold at most " + maxItems + " items, not " + values.size() + ".");
        }
        if (values.stream().anyMatch(String::isEmpty)) {
            throw invalid(name, "'" + name + "' must not contain empty strings.");
        }
        return values;
    }

    static int integerValue(String param, JsonNode node, int min, int max) {
        if (!node.isNumber() || !node.canConvertToExactIntegral() || !node.canConvertToInt()) {
            throw wrongType(param, "an integer");
        }
        return (int) inRange(param, node.intValue(), min, max);
    }

    static double inRange(String param, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw invalid(param, "Invalid value for '" + param + "': " + format(value) + " is not between "
                    + format(min) + " and " + format(max) + ".");
        }
        return value;
    }

    private static String format(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15 ? String.valueOf((long) value)
                : String.valueOf(value);
    }
}
