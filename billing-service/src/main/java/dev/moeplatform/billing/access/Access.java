package dev.moeplatform.billing.access;

import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;

/**
 * Who may see and change what. Every query of tenant data goes through {@link #tenantFor}, so that isolation is
 * decided here, from the signed identity, never by a caller's parameter alone.
 */
public final class Access {

    private Access() {
    }

    /**
     * The tenant a request is about: an ordinary key's own tenant (asking for another is refused), or for an admin
     * the tenant named in the request.
     *
     * @return the tenant, or null when an admin asked for all tenants and {@code allowAll} permits it
     */
    public static String tenantFor(PlatformIdentity who, String requested, boolean allowAll) {
        if (!who.isAdmin()) {
            if (requested != null && !requested.equals(who.tenant())) {
                throw new ApiException(new ApiError(403, "this API key belongs to another tenant and cannot read "
                        + "tenant '" + requested + "'", "tenant", "forbidden"));
            }
            return who.tenant();
        }
        if (requested == null || requested.isBlank()) {
            if (allowAll) {
                return null;
            }
            throw new ApiException(new ApiError(400, "tenant is required: administrators name the tenant they ask "
                    + "about", "tenant", "missing_parameter"));
        }
        return requested;
    }

    public static void requireAdmin(PlatformIdentity who) {
        if (!who.isAdmin()) {
            throw new ApiException(ApiError.of(403, "this operation needs the platform administrator", "forbidden"));
        }
    }
}
