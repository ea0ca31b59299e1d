package dev.moeplatform.web.errors;

import java.util.List;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Decides the error shape of a request from its path: {@code platform.web.problem-error-paths} first (exceptions
 * carved out of the OpenAI space, such as the gateway's {@code /v1/rag/**}), then
 * {@code platform.web.openai-error-paths}; anything else gets problem details.
 */
public final class ErrorShapeResolver {

    private final List<PathPattern> problemPaths;
    private final List<PathPattern> openAiPaths;

    public ErrorShapeResolver(List<String> openAiPathPatterns) {
        this(openAiPathPatterns, List.of());
    }

    public ErrorShapeResolver(List<String> openAiPathPatterns, List<String> problemPathPatterns) {
        this.openAiPaths = parse(openAiPathPatterns);
        this.problemPaths = parse(problemPathPatterns);
    }

    public ErrorShape shapeFor(String path) {
        PathContainer container = PathContainer.parsePath(path == null || path.isEmpty() ? "/" : path);
        if (problemPaths.stream().anyMatch(p -> p.matches(container))) {
            return ErrorShape.PROBLEM;
        }
        return openAiPaths.stream().anyMatch(p -> p.matches(container)) ? ErrorShape.OPENAI : ErrorShape.PROBLEM;
    }

    private static List<PathPattern> parse(List<String> patterns) {
        return patterns.stream().map(PathPatternParser.defaultInstance::parse).toList();
    }
}
