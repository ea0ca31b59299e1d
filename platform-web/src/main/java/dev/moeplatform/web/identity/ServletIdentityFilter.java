package dev.moeplatform.web.identity;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.IdentityHeader.InvalidIdentityException;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.servlet.ServletErrorResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.springframework.http.server.PathContainer;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Refuses requests to the protected paths unless they carry a valid signed identity header (401, in the path's error
 * shape), and hands the verified {@link PlatformIdentity} to the handlers as a request attribute.
 */
public class ServletIdentityFilter extends OncePerRequestFilter {

    /** The request attribute holding the verified {@link PlatformIdentity}. */
    public static final String ATTRIBUTE = PlatformIdentity.class.getName();

    private final IdentityHeader identities;
    private final List<PathPattern> requiredPaths;
    private final ServletErrorResponses errors;

    public ServletIdentityFilter(IdentityHeader identities, List<String> requiredPaths, ServletErrorResponses errors) {
        this.identities = identities;
        this.requiredPaths = requiredPaths.stream().map(PathPatternParser.defaultInstance::parse).toList();
        this.errors = errors;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        PathContainer path = PathContainer.parsePath(request.getRequestURI());
        return requiredPaths.stream().noneMatch(pattern -> pattern.matches(path));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        PlatformIdentity identity;
        try {
            identity = identities.verify(request.getHeader(IdentityHeader.NAME));
        } catch (InvalidIdentityException refused) {
            errors.write(ApiError.of(401, refused.getMessage()
                    + "; requests reach this service through the gateway with an API key", "invalid_identity"),
                    request, response);
            return;
        }
        request.setAttribute(ATTRIBUTE, identity);
        chain.doFilter(request, response);
    }
}
