package dev.moeplatform.web.servlet;

import dev.moeplatform.web.config.PlatformWebProperties;
import dev.moeplatform.web.errors.ApiErrorMapper;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import tools.jackson.databind.json.JsonMapper;

/** Error shapes, request ids and body limits for the Spring MVC services. Runs before Boot's error page setup. */
@AutoConfiguration(beforeName = "org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(PlatformWebProperties.class)
@Import({ApiExceptionHandler.class, JsonErrorController.class})
public class ServletWebAutoConfiguration {

    @Bean
    ApiErrorMapper apiErrorMapper() {
        return new ApiErrorMapper();
    }

    @Bean
    ServletErrorResponses servletErrorResponses(PlatformWebProperties properties, JsonMapper json) {
        return new ServletErrorResponses(properties.errorShapes(), json);
    }

    @Bean
    FilterRegistrationBean<RequestIdFilter> requestIdFilter() {
        FilterRegistrationBean<RequestIdFilter> registration = new FilterRegistrationBean<>(new RequestIdFilter());
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    @Bean
    FilterRegistrationBean<RequestBodyLimitFilter> requestBodyLimitFilter(PlatformWebProperties properties,
            ServletErrorResponses errors) {
        FilterRegistrationBean<RequestBodyLimitFilter> registration = new FilterRegistrationBean<>(
                new RequestBodyLimitFilter(properties.maxRequestBodySize().toBytes(), errors));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        return registration;
    }
}
