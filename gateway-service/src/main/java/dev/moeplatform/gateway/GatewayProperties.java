package dev.moeplatform.gateway;

import dev.moeplatform.contracts.usage.UsageTopics;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * gateway-service's settings ({@code platform.gateway.*}).
 *
 * @param adminToken the credential of {@code /admin/**} ({@code GATEWAY_ADMIN_TOKEN}, at least 24 characters); it is
 *     not an API key and never reaches the model routes
 * @param keyCacheTtl how long a verified key is trusted without rereading it; revocations reach every replica at
 *     once over Redis, this only bounds staleness if that message is lost
 */
@ConfigurationProperties("platform.gateway")
public record GatewayProperties(
        @DefaultValue("") String adminToken,
        @DefaultValue("60s") Duration keyCacheTtl,
        @DefaultValue Metering metering) {

    public static final int MIN_ADMIN_TOKEN_LENGTH = 24;

    /**
     * @param topic where usage events go
     * @param bufferCapacity events waiting for Kafka at which the gateway stops accepting model calls (503), because
     *     it could not meter them
     * @param shutdownFlushTimeout how long a stopping gateway keeps trying to hand its buffer to Kafka
     */
    public record Metering(
            @DefaultValue(UsageTopics.USAGE_EVENTS) String topic,
            @DefaultValue("10000") int bufferCapacity,
            @DefaultValue("30s") Duration shutdownFlushTimeout) {
    }
}
