package dev.moeplatform.web.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ErrorShapeResolverTest {

    private final ErrorShapeResolver resolver = new ErrorShapeResolver(
            List.of("/v1/chat/**", "/v1/completions", "/v1/embeddings", "/v1/models/**"));

    @Test
    void modelEndpointsGetOpenAiShapeAndPlatformApisGetProblems() {
        assertThat(resolver.shapeFor("/v1/chat/completions")).isEqualTo(ErrorShape.OPENAI);
        assertThat(resolver.shapeFor("/v1/models")).isEqualTo(ErrorShape.OPENAI);
        assertThat(resolver.shapeFor("/v1/models/some-model")).isEqualTo(ErrorShape.OPENAI);
        assertThat(resolver.shapeFor("/v1/rag/collections")).isEqualTo(ErrorShape.PROBLEM);
        assertThat(resolver.shapeFor("/admin/keys")).isEqualTo(ErrorShape.PROBLEM);
        assertThat(resolver.shapeFor("")).isEqualTo(ErrorShape.PROBLEM);
    }

    @Test
    void problemPathsCarveExceptionsOutOfTheOpenAiSpace() {
        ErrorShapeResolver gateway = new ErrorShapeResolver(List.of("/v1/**"), List.of("/v1/rag/**"));

        assertThat(gateway.shapeFor("/v1/anything")).isEqualTo(ErrorShape.OPENAI);
        assertThat(gateway.shapeFor("/v1/rag/collections/7")).isEqualTo(ErrorShape.PROBLEM);
    }

    @Test
    void withoutPatternsEverythingIsAProblem() {
        assertThat(new ErrorShapeResolver(List.of()).shapeFor("/v1/chat/completions")).isEqualTo(ErrorShape.PROBLEM);
    }
}
