package dev.moeplatform.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a service reads from its environment, taken from its code: the {@code ${VARIABLE}} placeholders of its
 * application.yaml and platform-web's defaults, and the environment names of its {@code @ConfigurationProperties}
 * records (relaxed binding: {@code platform.inference.engine.kv-cache} is {@code PLATFORM_INFERENCE_ENGINE_KV_CACHE};
 * a list of records, e.g. {@code models}, is {@code PLATFORM_INFERENCE_MODELS_<n>_<FIELD>}).
 */
final class CodeContract {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");
    private static final Pattern PROPERTIES = Pattern.compile("@ConfigurationProperties\\(\"([a-z0-9.-]+)\"\\)");
    private static final Pattern RECORD = Pattern.compile("record\\s+(\\w+)\\s*\\(");
    private static final Pattern ANNOTATION = Pattern.compile("@[\\w.]+(\\s*\\([^)]*\\))?");
    private static final Pattern LIST_OF = Pattern.compile("List<\\s*(\\w+)\\s*>");

    private final Set<String> variables = new TreeSet<>();
    private final List<Pattern> variablePatterns = new ArrayList<>();
    private final boolean usesKafka;

    CodeContract(Path root, String module) {
        String yaml = read(root.resolve(module).resolve("src/main/resources/application.yaml"))
                + read(root.resolve("platform-web/src/main/resources/platform-defaults.yaml"));
        Matcher placeholder = PLACEHOLDER.matcher(yaml);
        while (placeholder.find()) {
            variables.add(placeholder.group(1));
        }
        usesKafka = yaml.contains("bootstrap-servers:");
        for (Path source : javaSources(root.resolve(module).resolve("src/main/java"))) {
            readProperties(read(source));
        }
    }

    /** Whether the service reads this variable (Spring Kafka's free-form client properties count for Kafka users). */
    boolean reads(String variable) {
        return variables.contains(variable)
                || variablePatterns.stream().anyMatch(p -> p.matcher(variable).matches())
                || (usesKafka && variable.startsWith("SPRING_KAFKA_PROPERTIES_"));
    }

    private void readProperties(String java) {
        Matcher properties = PROPERTIES.matcher(java);
        if (!properties.find()) {
            return;
        }
        String prefix = properties.group(1);
        Matcher record = RECORD.matcher(java);
        if (!record.find(properties.end())) {
            return;
        }
        List<String[]> components = components(java, record.end());
        for (String[] component : components) {
            String property = prefix + "." + component[1];
            variables.add(relaxed(property));
            Matcher listOf = LIST_OF.matcher(component[0]);
            if (listOf.matches()) {
                Matcher nested = Pattern.compile("record\\s+" + listOf.group(1) + "\\s*\\(").matcher(java);
                if (nested.find()) {
                    for (String[] field : components(java, nested.end())) {
                        variablePatterns.add(Pattern.compile(
                                Pattern.quote(relaxed(property) + "_") + "[0-9]+" + Pattern.quote("_" + relaxed(field[1]))));
                    }
                }
            }
        }
    }

    /** {type, name} of each record component, the text starting right after the record's opening parenthesis. */
    private static List<String[]> components(String java, int start) {
        int depth = 0;
        int end = start;
        while (end < java.length()) {
            char c = java.charAt(end);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                if (depth == 0) {
                    break;
                }
                depth--;
            }
            end++;
        }
        String parameters = ANNOTATION.matcher(java.substring(start, end)).replaceAll(" ");
        List<String[]> result = new ArrayList<>();
        int angle = 0;
        StringBuilder current = new StringBuilder();
        for (char c : (parameters + ",").toCharArray()) {
            if (c == '<') {
                angle++;
            } else if (c == '>') {
                angle--;
            }
            if (c == ',' && angle == 0) {
                String parameter = current.toString().trim().replaceAll("\\s+", " ");
                if (!parameter.isEmpty()) {
                    int space = parameter.lastIndexOf(' ');
                    result.add(new String[] {parameter.substring(0, space).replace(" ", ""), parameter.substring(space + 1)});
                }
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        return result;
    }

    /** platform.inference.engine.kvCache -> PLATFORM_INFERENCE_ENGINE_KV_CACHE */
    static String relaxed(String property) {
        return property.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').replace('-', '_')
                .toUpperCase(java.util.Locale.ROOT);
    }

    private static List<Path> javaSources(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(f -> f.toString().endsWith(".java")).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
