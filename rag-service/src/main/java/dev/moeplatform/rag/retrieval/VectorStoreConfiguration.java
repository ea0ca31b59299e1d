package dev.moeplatform.rag.retrieval;

import com.zaxxer.hikari.HikariDataSource;
import dev.moeplatform.rag.RagProperties;
import dev.moeplatform.rag.models.GatewayEmbeddingModel;
import java.util.Set;
import org.springframework.ai.embedding.EmbeddingModel;
import org.springframework.ai.vectorstore.VectorStore;
import org.springframework.ai.vectorstore.pgvector.PgVectorStore;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Spring AI's PgVectorStore over the chunk table that Flyway creates (the store never creates or alters tables),
 * and the session settings every pooled connection gets so that its HNSW searches are complete under filters.
 */
@Configuration(proxyBeanMethods = false)
class VectorStoreConfiguration {

    private static final Set<String> ITERATIVE_SCANS = Set.of("off", "strict_order", "relaxed_order");

    @Bean
    VectorStore vectorStore(JdbcTemplate jdbc, EmbeddingModel embeddings) {
        return PgVectorStore.builder(jdbc, embeddings).vectorTableName("rag_chunk").schemaName("public")
                .dimensions(GatewayEmbeddingModel.DIMENSIONS).distanceType(PgVectorStore.PgDistanceType.COSINE_DISTANCE)
                .indexType(PgVectorStore.PgIndexType.HNSW).initializeSchema(false).build();
    }

    /**
     * Every connection starts with the HNSW search settings: Spring AI's defaults (ef_search 40, no iterative scan)
     * return fewer than k rows when the tenant's chunks are a small part of the index.
     */
    @Bean
    static BeanPostProcessor hnswSessionSettings(org.springframework.beans.factory.ObjectProvider<RagProperties> properties) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (bean instanceof HikariDataSource pool) {
                    pool.setConnectionInitSql(sessionSettings(properties.getObject()));
                }
                return bean;
            }
        };
    }

    static String sessionSettings(RagProperties properties) {
        if (!ITERATIVE_SCANS.contains(properties.iterativeScan())) {
            throw new IllegalArgumentException("platform.rag.iterative-scan must be one of " + ITERATIVE_SCANS
                    + ", not '" + properties.iterativeScan() + "'");
        }
        return "SET hnsw.ef_search = " + properties.efSearch() + "; SET hnsw.iterative_scan = "
                + properties.iterativeScan() + "; SET hnsw.max_scan_tuples = " + properties.maxScanTuples();
    }
}
