package dev.moeplatform.contracts.identity;

import java.util.Objects;

/**
 * Who is calling, as the gateway established it from an API key (or the admin credential), carried to the services
 * in the signed {@link IdentityHeader} header.
 *
 * @param tenant the tenant the request is charged to; for {@link Role#ADMIN} the admin's own label
 * @param team the team inside the tenant
 * @param keyId the API key's public id
 * @param requestId the request id, so that a header cannot be replayed for another request's identity unnoticed
 * @param role what the caller may see: its own tenant's data, or everything
 */
public record PlatformIdentity(String tenant, String team, String keyId, String requestId, Role role) {

    public enum Role {
        /** An ordinary API key: sees its own tenant only. */
        TENANT,
        /** The platform's administrators and the gateway itself: may read and change every tenant's data. */
        ADMIN
    }

    public PlatformIdentity {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(team, "team");
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(role, "role");
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    /** Whether this caller may read or change data of {@code otherTenant}. */
    public boolean maySee(String otherTenant) {
        return isAdmin() || tenant.equals(otherTenant);
    }
}
