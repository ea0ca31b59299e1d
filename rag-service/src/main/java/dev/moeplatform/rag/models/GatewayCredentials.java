package dev.moeplatform.rag.models;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.rag.RagProperties;
import java.util.UUID;
import org.springframework.stereotype.Component;
import dev.moeplatform.web.identity.IdentityProperties;

/**
 * How this service calls the gateway on a tenant's behalf: with a freshly signed identity of that tenant, team and
 * key (the gateway accepts it in place of an API key, applies the key's limits, budgets and allowed models, and
 * meters the call to the tenant). Fresh per call, so a long ingestion job never presents an expired one.
 */
@Component
public class GatewayCredentials {

    private final IdentityHeader identities;
    private final String gatewayUrl;

    GatewayCredentials(IdentityProperties identity, RagProperties properties) {
        this.identities = new IdentityHeader(identity.secret());
        this.gatewayUrl = properties.gatewayUrl().replaceAll("/+$", "");
    }

    public String gatewayUrl() {
        return gatewayUrl;
    }

    /** A signed identity header value for one call made on {@code caller}'s behalf. */
    public String onBehalfOf(PlatformIdentity caller) {
        return identities.sign(new PlatformIdentity(caller.tenant(), caller.team(), caller.keyId(),
                "rag-" + UUID.randomUUID(), PlatformIdentity.Role.TENANT));
    }
}
