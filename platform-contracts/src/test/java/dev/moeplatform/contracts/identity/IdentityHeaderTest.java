package dev.moeplatform.contracts.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moeplatform.contracts.identity.IdentityHeader.InvalidIdentityException;
import dev.moeplatform.contracts.identity.PlatformIdentity.Role;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class IdentityHeaderTest {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    static final Instant NOW = Instant.parse("2026-11-29T10:00:00Z");
    static final PlatformIdentity ACME = new PlatformIdentity("acme & co", "search=1", "key_1", "req-9", Role.TENANT);

    static IdentityHeader at(Instant now) {
        return new IdentityHeader(SECRET, Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void roundTripsEveryFieldIncludingReservedCharacters() {
        String header = at(NOW).sign(ACME);
        assertThat(at(NOW.plusSeconds(299)).verify(header)).isEqualTo(ACME);
        PlatformIdentity admin = new PlatformIdentity("platform", "ops", "admin", "req-2", Role.ADMIN);
        assertThat(at(NOW).verify(at(NOW).sign(admin)).isAdmin()).isTrue();
    }

    @Test
    void refusesExpiredForgedTamperedAndMissingHeaders() {
        String header = at(NOW).sign(ACME, Duration.ofSeconds(30));
        assertThatThrownBy(() -> at(NOW.plusSeconds(31)).verify(header))
                .isInstanceOf(InvalidIdentityException.class).hasMessageContaining("expired");

        byte[] otherSecret = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.UTF_8);
        String forged = new IdentityHeader(otherSecret, Clock.fixed(NOW, ZoneOffset.UTC)).sign(ACME);
        assertThatThrownBy(() -> at(NOW).verify(forged)).hasMessageContaining("signature does not match");

        String[] parts = header.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String elevated = Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.replace("role=tenant", "role=admin").getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> at(NOW).verify(parts[0] + "." + elevated + "." + parts[2]))
                .hasMessageContaining("signature does not match");

        assertThatThrownBy(() -> at(NOW).verify(null)).hasMessageContaining("missing");
        assertThatThrownBy(() -> at(NOW).verify("Bearer abc")).hasMessageContaining("not a v1 identity");
        assertThatThrownBy(() -> at(NOW).verify("v1.!!.??")).hasMessageContaining("base64url");
    }

    @Test
    void refusesShortSecrets() {
        assertThatThrownBy(() -> new IdentityHeader("too-short"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PLATFORM_IDENTITY_SECRET");
        assertThatThrownBy(() -> new IdentityHeader((String) null)).isInstanceOf(IllegalArgumentException.class);
    }
}
