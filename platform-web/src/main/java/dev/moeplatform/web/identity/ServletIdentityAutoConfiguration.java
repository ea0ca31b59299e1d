package dev.moeplatform.web.identity;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.web.servlet.ServletErrorResponses;
import dev.moeplatform.web.servlet.ServletWebAutoConfiguration;
import java.util.List;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Verification of the gateway's signed identity header for MVC services that list paths in
 * {@code platform.identity.required-paths} (none: nothing is verified). Without a valid secret such a service does
 * not start.
 */
@AutoConfiguration(after = ServletWebAutoConfiguration.class)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(IdentityProperties.class)
public class ServletIdentityAutoConfiguration {

    @Bean
    FilterRegistrationBean<ServletIdentityFilter> identityFilter(IdentityProperties properties,
            ServletErrorResponses errors) {
        boolean required = !properties.requiredPaths().isEmpty();
        // The secret is checked (and the service refuses to start without one) only where identities are required.
        IdentityHeader identities = required ? new IdentityHeader(properties.secret()) : null;
        FilterRegistrationBean<ServletIdentityFilter> registration = new FilterRegistrationBean<>(
                new ServletIdentityFilter(identities, properties.requiredPaths(), errors));
        registration.setEnabled(required);
        // After the request id (so 401s carry it), before the body limit and everything else.
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        return registration;
    }

    @Bean
    WebMvcConfigurer identityArgumentResolver() {
        return new WebMvcConfigurer() {
            @Override
            public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
                resolvers.add(new PlatformIdentityArgumentResolver());
            }
        };
    }
}
