package dev.moeplatform.web.reactive;

import dev.moeplatform.web.config.PlatformWebProperties;
import dev.moeplatform.web.errors.ApiErrorMapper;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.json.JsonMapper;

/** Error shapes, request ids and body limits for the WebFlux services (the gateway). */
@AutoConfiguration(beforeName = "org.springframework.boot.webflux.autoconfigure.error.ErrorWebFluxAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@EnableConfigurationProperties(PlatformWebProperties.class)
public class ReactiveWebAutoConfiguration {

    @Bean
    ApiErrorMapper apiErrorMapper() {
        return new ApiErrorMapper();
    }

    @Bean
    ApiErrorWebExceptionHandler apiErrorWebExceptionHandler(ApiErrorMapper mapper, PlatformWebProperties properties,
            JsonMapper json) {
        return new ApiErrorWebExceptionHandler(mapper,
                properties.errorShapes(), json);
    }

    @Bean
    RequestIdWebFilter requestIdWebFilter() {
        return new RequestIdWebFilter();
    }

    @Bean
    RequestBodyLimitWebFilter requestBodyLimitWebFilter(PlatformWebProperties properties) {
        return new RequestBodyLimitWebFilter(properties.maxRequestBodySize().toBytes(), properties.uploadPaths(),
                properties.maxUploadBodySize().toBytes());
    }
}
