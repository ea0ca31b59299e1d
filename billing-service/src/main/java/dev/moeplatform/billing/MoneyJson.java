package dev.moeplatform.billing;

import java.math.BigDecimal;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JacksonModule;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.module.SimpleModule;

/**
 * Decimals (amounts, prices, ratios) leave the service as JSON strings in plain notation ({@code "0.000437"}), so
 * that no client parses money into a binary floating-point number on the way in. Requests accept both strings and
 * numbers.
 */
@Configuration(proxyBeanMethods = false)
class MoneyJson {

    @Bean
    JacksonModule decimalsAsPlainStrings() {
        return new SimpleModule("decimals-as-plain-strings").addSerializer(BigDecimal.class,
                new ValueSerializer<>() {
                    @Override
                    public void serialize(BigDecimal value, JsonGenerator generator, SerializationContext context) {
                        generator.writeString(value.toPlainString());
                    }
                });
    }
}
