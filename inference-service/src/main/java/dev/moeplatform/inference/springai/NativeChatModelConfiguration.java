package dev.moeplatform.inference.springai;

import dev.moeplatform.inference.completions.CompletionService;
import dev.moeplatform.inference.models.ModelCatalog;
import dev.moeplatform.inference.models.ServedModel;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Registers {@link NativeChatModel} as the application's {@link ChatModel} (and {@code StreamingChatModel}) unless
 * the application defines its own. Its default model is {@code platform.inference.spring-ai.model}, or else the
 * first natively served model of the catalog; a prompt may name another in its options.
 */
@Configuration(proxyBeanMethods = false)
class NativeChatModelConfiguration {

    @Bean
    @ConditionalOnMissingBean(ChatModel.class)
    NativeChatModel nativeChatModel(CompletionService completions, ModelCatalog catalog,
            @Value("${platform.inference.spring-ai.model:}") String model) {
        String defaultModel = !model.isBlank() ? model : catalog.all().stream().filter(ServedModel::servedNatively)
                .map(ServedModel::id).findFirst().orElse(null);
        return new NativeChatModel(completions, NativeChatOptions.builder().model(defaultModel).build());
    }
}
