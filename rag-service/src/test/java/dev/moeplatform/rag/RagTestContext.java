package dev.moeplatform.rag;

import dev.moeplatform.testing.TestInfrastructure;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The one Spring context every rag integration test shares: the real PostgreSQL with pgvector (database
 * {@code rag_test}), and {@link ModelServer} where the gateway would be, embedding with the real
 * all-MiniLM-L6-v2. Small size limits so that the background-job and too-large paths are cheap to reach.
 */
public class RagTestContext implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    public static final String IDENTITY_SECRET = "rag-test-identity-secret-0123456789abcdef";
    public static final long MAX_DOCUMENT_BYTES = 512 * 1024;
    public static final long SYNCHRONOUS_LIMIT_BYTES = 16 * 1024;

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        List<String> properties = new ArrayList<>();
        TestInfrastructure.get().registerPostgres((name, value) -> properties.add(name + "=" + value.get()),
                "rag_test");
        properties.addAll(List.of(
                "platform.identity.secret=" + IDENTITY_SECRET,
                "platform.rag.gateway-url=" + ModelServer.get().url(),
                "platform.rag.max-document-size=" + MAX_DOCUMENT_BYTES + "B",
                "platform.rag.synchronous-limit=" + SYNCHRONOUS_LIMIT_BYTES + "B",
                "platform.web.max-request-body-size=1MB"));
        TestPropertyValues.of(properties).applyTo(context);
        if (context instanceof org.springframework.context.support.GenericApplicationContext beans) {
            beans.registerBean(RagFixture.class);
        }
    }
}
