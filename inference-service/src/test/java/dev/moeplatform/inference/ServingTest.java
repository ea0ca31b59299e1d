package dev.moeplatform.inference;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The one Spring context of this module's tests (every test class uses this annotation, so the context is started
 * once): the bundled model served natively with small scheduler limits, and a vLLM-only model that is listed but not
 * reachable yet.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "platform.inference.models[0].id=" + ServingTest.MODEL,
        "platform.inference.models[0].backends=native",
        "platform.inference.models[1].id=deepseek-v2-lite",
        "platform.inference.models[1].backends=vllm",
        "platform.inference.models[1].context-length=32768",
        "platform.inference.models[1].owned-by=deepseek",
        "platform.inference.engine.threads=1",
        "platform.inference.scheduler.max-running-sequences=4",
        "platform.inference.scheduler.max-queued-requests=16",
        "platform.inference.scheduler.max-tokens-in-flight=4096",
        "platform.inference.scheduler.request-timeout=60s",
        "platform.inference.scheduler.retry-after=2s"})
public @interface ServingTest {

    /** The engine's bundled synthetic model (random weights: its text is nonsense, but deterministic per seed). */
    String MODEL = "synthetic-qwen2moe-tiny";

    /** Its end-of-sequence token; a logit bias of -100 on it keeps a generation going to max_tokens. */
    int EOS = 1338;
}
