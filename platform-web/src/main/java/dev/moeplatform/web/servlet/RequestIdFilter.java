package dev.moeplatform.web.servlet;

import dev.moeplatform.contracts.http.PlatformHeaders;
import dev.moeplatform.web.config.RequestIds;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.MDC;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an id (the gateway's, when it sent one), echoes it in {@code x-request-id} and puts it in
 * the logging MDC so that JSON log lines carry it next to the trace id.
 */
public class RequestIdFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String requestId = RequestIds.acceptOrCreate(request.getHeader(PlatformHeaders.REQUEST_ID));
        request.setAttribute(RequestIds.ATTRIBUTE, requestId);
        response.setHeader(PlatformHeaders.REQUEST_ID, requestId);
        MDC.put(RequestIds.ATTRIBUTE, requestId);
        try {
            chain.doFilter(request, response);
        } finally {
            MDC.remove(RequestIds.ATTRIBUTE);
        }
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return false;
    }
}
