package dev.moeplatform.contracts.http;

/** HTTP header names that more than one service reads or writes. */
public final class PlatformHeaders {

    /** Correlates one client request across the gateway, the services and the usage ledger. */
    public static final String REQUEST_ID = "x-request-id";

    private PlatformHeaders() {
    }
}
