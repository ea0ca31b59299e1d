package dev.moeplatform.web.identity;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The internal identity header, as a service that receives it sees it.
 *
 * @param secret the HMAC secret shared with the gateway ({@code PLATFORM_IDENTITY_SECRET}, at least 32 bytes)
 * @param requiredPaths path patterns whose requests must carry a valid header; empty turns verification off
 */
@ConfigurationProperties("platform.identity")
public record IdentityProperties(String secret, @DefaultValue List<String> requiredPaths) {
}
