package dev.moeplatform.billing.tenants;

import dev.moeplatform.billing.BillingProperties;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Per-tenant billing settings; today the reference commercial model each tenant compares itself against. */
@Repository
public class TenantSettings {

    private final JdbcTemplate jdbc;
    private final String defaultReferenceModel;

    TenantSettings(JdbcTemplate jdbc, BillingProperties properties) {
        this.jdbc = jdbc;
        this.defaultReferenceModel = properties.defaultReferenceModel();
    }

    public String referenceModel(String tenant) {
        List<String> chosen = jdbc.queryForList("SELECT reference_model FROM tenant_settings WHERE tenant = ?",
                String.class, tenant);
        return chosen.isEmpty() ? defaultReferenceModel : chosen.getFirst();
    }

    public void setReferenceModel(String tenant, String model) {
        jdbc.update("""
                INSERT INTO tenant_settings (tenant, reference_model) VALUES (?, ?)
                ON CONFLICT (tenant) DO UPDATE SET reference_model = excluded.reference_model, updated_at = now()""",
                tenant, model);
    }

    public String defaultReferenceModel() {
        return defaultReferenceModel;
    }
}
