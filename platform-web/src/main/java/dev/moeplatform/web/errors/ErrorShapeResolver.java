package dev.moeplatform.web.errors;

import java.util.List;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/** Decides the error shape of a request from its path, using the patterns of {@code platform.web.openai-error-paths}. */
public final class ErrorShapeResolver {

    private final List<PathPattern> openAiPaths;

    public ErrorShapeResolver(List<String> openAiPathPatterns) {
        this.openAiPaths = openAiPathPatterns.stream().map(PathPatternParser.defaultInstance::parse).toList();
    }

    public ErrorShape shapeFor(String path) {
        PathContainer container = PathContainer.parsePath(path == null || path.isEmpty() ? "/" : path);
        return openAiPaths.stream().anyMatch(p -> p.matches(container)) ? ErrorShape.OPENAI : ErrorShape.PROBLEM;
    }
}
