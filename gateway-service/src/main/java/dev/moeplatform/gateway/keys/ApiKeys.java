package dev.moeplatform.gateway.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The API key format: {@code sk-moe-<id>-<secret>}, where the id (10 lowercase letters and digits) is the key's
 * public, non-secret part (stored, listed, put in usage events) and the secret is 32 random bytes in base64url.
 * Only the SHA-256 of the whole key is stored.
 */
public final class ApiKeys {

    static final String PREFIX = "sk-moe-";
    private static final Pattern FORMAT = Pattern.compile("sk-moe-([a-z0-9]{10})-([A-Za-z0-9_-]{43})");
    private static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ApiKeys() {
    }

    /** A new key; the caller shows it once and stores only {@link #sha256} of it. */
    static String generate() {
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            id.append(ID_ALPHABET.charAt(RANDOM.nextInt(ID_ALPHABET.length())));
        }
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return PREFIX + id + "-" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** The id inside a presented key, or null when the string is not one of our keys at all. */
    static String idOf(String key) {
        var m = key == null ? null : FORMAT.matcher(key);
        return m != null && m.matches() ? m.group(1) : null;
    }

    static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException(impossible);
        }
    }

    /** How a key is shown after creation: its id, never its secret. */
    static String display(String id) {
        return PREFIX + id + "-…";
    }
}
