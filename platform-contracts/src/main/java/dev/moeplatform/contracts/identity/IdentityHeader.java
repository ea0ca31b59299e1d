package dev.moeplatform.contracts.identity;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The internal identity header: the gateway signs a {@link PlatformIdentity} with a secret the services share, with a
 * short expiry; services verify it and refuse requests without a valid one. Clients never send it (the gateway strips
 * any copy from inbound requests).
 *
 * <p>Wire format: {@code v1.<payload>.<signature>}, both parts base64url without padding; the payload is
 * {@code application/x-www-form-urlencoded} fields {@code tenant, team, key, req, role, exp} (expiry in epoch
 * seconds), the signature HMAC-SHA256 over {@code v1.<payload>}. Form encoding keeps the contract free of a JSON
 * library.
 */
public final class IdentityHeader {

    /** The header's name. */
    public static final String NAME = "x-platform-identity";
    /** The shortest secret accepted: 32 bytes, HMAC-SHA256's block strength. */
    public static final int MIN_SECRET_BYTES = 32;
    /** How long a signed header stays valid by default: long enough for a queued request, too short to reuse. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

    private static final String VERSION = "v1";
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final SecretKeySpec key;
    private final Clock clock;

    public IdentityHeader(byte[] secret, Clock clock) {
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("the identity signing secret must be at least " + MIN_SECRET_BYTES
                    + " bytes (set PLATFORM_IDENTITY_SECRET, e.g. to the output of `openssl rand -hex 32`)");
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.clock = clock;
    }

    public IdentityHeader(String secret) {
        this(secret == null ? null : secret.getBytes(StandardCharsets.UTF_8), Clock.systemUTC());
    }

    /** The header value for {@code identity}, valid for {@code ttl}. */
    public String sign(PlatformIdentity identity, Duration ttl) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("tenant", identity.tenant());
        fields.put("team", identity.team());
        fields.put("key", identity.keyId());
        fields.put("req", identity.requestId());
        fields.put("role", identity.role().name().toLowerCase(java.util.Locale.ROOT));
        fields.put("exp", Long.toString(clock.instant().plus(ttl).getEpochSecond()));
        StringBuilder form = new StringBuilder();
        fields.forEach((name, value) -> form.append(form.isEmpty() ? "" : "&").append(name).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        String signed = VERSION + "." + B64.encodeToString(form.toString().getBytes(StandardCharsets.UTF_8));
        return signed + "." + B64.encodeToString(mac(signed));
    }

    public String sign(PlatformIdentity identity) {
        return sign(identity, DEFAULT_TTL);
    }

    /**
     * The identity in a header value, checked: signature, version, expiry and every field.
     *
     * @throws InvalidIdentityException naming what is wrong (never echoing the value)
     */
    public PlatformIdentity verify(String header) {
        if (header == null || header.isBlank()) {
            throw new InvalidIdentityException("the " + NAME + " header is missing");
        }
        String[] parts = header.trim().split("\\.", -1);
        if (parts.length != 3 || !VERSION.equals(parts[0])) {
            throw new InvalidIdentityException("the " + NAME + " header is not a " + VERSION + " identity");
        }
        byte[] signature;
        byte[] payload;
        try {
            signature = B64D.decode(parts[2]);
            payload = B64D.decode(parts[1]);
        } catch (IllegalArgumentException notBase64) {
            throw new InvalidIdentityException("the " + NAME + " header is not base64url");
        }
        if (!MessageDigest.isEqual(signature, mac(parts[0] + "." + parts[1]))) {
            throw new InvalidIdentityException("the " + NAME + " header's signature does not match");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String pair : new String(payload, StandardCharsets.UTF_8).split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                fields.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        long expiry;
        PlatformIdentity.Role role;
        try {
            expiry = Long.parseLong(fields.getOrDefault("exp", ""));
            role = PlatformIdentity.Role.valueOf(fields.getOrDefault("role", "").toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException malformed) {
            throw new InvalidIdentityException("the " + NAME + " header has a malformed expiry or role");
        }
        if (Instant.ofEpochSecond(expiry).isBefore(clock.instant())) {
            throw new InvalidIdentityException("the " + NAME + " header has expired");
        }
        for (String required : new String[] {"tenant", "team", "key", "req"}) {
            if (fields.getOrDefault(required, "").isEmpty()) {
                throw new InvalidIdentityException("the " + NAME + " header lacks " + required);
            }
        }
        return new PlatformIdentity(fields.get("tenant"), fields.get("team"), fields.get("key"), fields.get("req"),
                role);
    }

    private byte[] mac(String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException impossible) {
            throw new IllegalStateException("HmacSHA256 is unavailable", impossible);
        }
    }

    /** A header that is missing, forged, expired or malformed; the message says which, never the value. */
    public static final class InvalidIdentityException extends RuntimeException {
        public InvalidIdentityException(String message) {
            super(message);
        }
    }
}
