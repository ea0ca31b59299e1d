package dev.moeplatform.billing;

import dev.moeplatform.contracts.identity.IdentityHeader;
import dev.moeplatform.contracts.identity.PlatformIdentity;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI description: the caller's identity is the gateway's signed header, not a parameter. */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static {
        SpringDocUtils.getConfig().addRequestWrapperToIgnore(PlatformIdentity.class);
    }

    @Bean
    OpenAPI billingOpenApi() {
        return new OpenAPI()
                .info(new Info().title("billing-service").version("v1").description("Usage ledger, price book, "
                        + "cost and savings reports, budgets. Reached through the gateway, which authenticates the "
                        + "API key and signs the caller's identity."))
                .components(new Components().addSecuritySchemes("platformIdentity", new SecurityScheme()
                        .type(SecurityScheme.Type.APIKEY).in(SecurityScheme.In.HEADER).name(IdentityHeader.NAME)
                        .description("Signed by the gateway; clients never send it themselves")))
                .addSecurityItem(new SecurityRequirement().addList("platformIdentity"));
    }
}
