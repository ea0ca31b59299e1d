package dev.moeplatform.engine.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** {@code --name value} and {@code --flag} arguments; unknown or missing ones are reported by name. */
final class Arguments {

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> used = new HashSet<>();

    Arguments(String[] args, int from, Set<String> flags) {
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            String name = arg.substring(2);
            if (flags.contains(name)) {
                values.put(name, "true");
            } else if (i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
        }
    }

    String string(String name, String fallback) {
        used.add(name);
        return values.getOrDefault(name, fallback);
    }

    String required(String name) {
        String value = string(name, null);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }

    Path path(String name) {
        return Path.of(required(name));
    }

    int integer(String name, int fallback) {
        String value = string(name, null);
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a whole number, not '" + value + "'");
        }
    }

    float decimal(String name, float fallback) {
        String value = string(name, null);
        try {
            return value == null ? fallback : Float.parseFloat(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, not '" + value + "'");
        }
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(string(name, "false"));
    }

    /** Call after reading: an option nobody asked for is a typo the user should hear about. */
    void rejectUnknown() {
        for (String name : values.keySet()) {
            if (!used.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name);
            }
        }
    }
}
