package dev.moeplatform.web.config;

import dev.moeplatform.web.errors.ErrorShapeResolver;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * @param openaiErrorPaths path patterns answered with OpenAI's error object; every other path gets problem details
 * @param problemErrorPaths path patterns carved out of {@code openaiErrorPaths} that get problem details after all
 * @param maxRequestBodySize requests with a larger body are refused with 413 before any handler reads them
 * @param uploadPaths path patterns of document uploads, which may be larger (reactive services, i.e. the gateway,
 *     which passes uploads through to the service that owns them and applies its own limit)
 * @param maxUploadBodySize the body limit on {@code uploadPaths}
 */
@ConfigurationProperties("platform.web")
public record PlatformWebProperties(
        @DefaultValue List<String> openaiErrorPaths,
        @DefaultValue List<String> problemErrorPaths,
        @DefaultValue("2MB") DataSize maxRequestBodySize,
        @DefaultValue List<String> uploadPaths,
        @DefaultValue("11MB") DataSize maxUploadBodySize) {

    public ErrorShapeResolver errorShapes() {
        return new ErrorShapeResolver(openaiErrorPaths, problemErrorPaths);
    }
}
