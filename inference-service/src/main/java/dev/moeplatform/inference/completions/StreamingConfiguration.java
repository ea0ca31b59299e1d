package dev.moeplatform.inference.completions;

import dev.moeplatform.inference.scheduling.SchedulerProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Streamed responses run asynchronously: give each its own virtual thread (a stream mostly waits for tokens, and a
 * small shared pool would make streams wait for each other), and let one last as long as the scheduler's time limit
 * allows instead of the servlet container's 30 s default.
 */
@Configuration(proxyBeanMethods = false)
class StreamingConfiguration implements WebMvcConfigurer {

    private final SchedulerProperties limits;

    StreamingConfiguration(SchedulerProperties limits) {
        this.limits = limits;
    }

    @Override
    public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
        SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor("stream-");
        executor.setVirtualThreads(true);
        configurer.setTaskExecutor(executor);
        configurer.setDefaultTimeout(limits.requestTimeout().plusMinutes(1).toMillis());
    }
}
