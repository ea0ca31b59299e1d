package dev.moeplatform.gateway.auth;

import dev.moeplatform.contracts.identity.IdentityHeader;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The signer of the internal identity header; the gateway refuses to start without a proper secret. */
@Configuration(proxyBeanMethods = false)
class IdentityConfiguration {

    @Bean
    IdentityHeader identityHeader(@Value("${platform.identity.secret:}") String secret) {
        return new IdentityHeader(secret);
    }
}
