package dev.moeplatform.inference.metrics;

import dev.moeplatform.engine.TextStream;
import dev.moeplatform.inference.scheduling.GenerationRequest;
import dev.moeplatform.inference.scheduling.SchedulerListener;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Request metrics of every scheduler, vLLM's meanings on Micrometer meters (see {@link MetricNames}). Per request it
 * keeps a small {@link RequestTimer} that the engine thread alone touches; per token it does one counter increment
 * and one timer record, with no lock and no lookup.
 *
 * <p>Another backend (vLLM) can feed the same meters through {@link #observe}, with its own {@code backend} tag.
 */
@Component
public class InferenceMetrics implements SchedulerListener {

    private final MeterRegistry registry;
    private final Map<String, ModelMeters> meters = new ConcurrentHashMap<>();

    public InferenceMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The meters of one model on one backend, registered on first use. */
    public ModelMeters meters(String model, String backend) {
        return meters.computeIfAbsent(model + '\n' + backend, key -> new ModelMeters(registry, model, backend));
    }

    @Override
    public RequestObserver accepted(String modelId, GenerationRequest request) {
        int promptTokens = 0;
        for (GenerationRequest.Choice choice : request.choices()) {
            promptTokens += choice.prompt().length; // each choice prefills its prompt (what the engine computes)
        }
        return observe(modelId, MetricNames.NATIVE, promptTokens);
    }

    @Override
    public void rejected(String modelId) {
        meters(modelId, MetricNames.NATIVE).ended(Outcome.REJECTED);
    }

    /**
     * Starts observing one request that just arrived. The caller reports its life on the returned observer from one
     * thread at a time: {@code started}, then {@code token} per generated token, then {@code ended} once.
     */
    public RequestObserver observe(String model, String backend, int promptTokens) {
        return new RequestTimer(meters(model, backend), promptTokens, System.nanoTime());
    }

    /** Tokens another backend reported for one finished request (its {@code usage}), into the same token meters. */
    public void usage(String model, String backend, long promptTokens, long completionTokens) {
        ModelMeters m = meters(model, backend);
        m.promptTokens.increment(promptTokens);
        m.generationTokens.increment(completionTokens);
    }

    /** Counts a request another backend refused at once (over its limits). */
    public void rejected(String model, String backend) {
        meters(model, backend).ended(Outcome.REJECTED);
    }

    private static final class RequestTimer implements RequestObserver {

        private static final long NONE = Long.MIN_VALUE;

        private final ModelMeters meters;
        private final int promptTokens;
        private final long arrival;
        private long[] lastToken = new long[0];
        private int[] kvPositions = new int[0];
        private boolean started;
        private boolean firstToken = true;
        private boolean length;
        private boolean ended;

        RequestTimer(ModelMeters meters, int promptTokens, long arrival) {
            this.meters = meters;
            this.promptTokens = promptTokens;
            this.arrival = arrival;
        }

        @Override
        public void started(int[] kvPositions) {
            started = true;
            this.kvPositions = kvPositions.clone();
            lastToken = new long[kvPositions.length];
            Arrays.fill(lastToken, NONE);
            meters.runningRequests.incrementAndGet();
            long positions = 0;
            for (int p : kvPositions) {
                positions += p;
            }
            meters.kvPositions.addAndGet(positions);
            meters.promptTokens.increment(promptTokens);
        }

        @Override
        public void token(int choice, TextStream.Finish finish, long nanoTime) {
            meters.generationTokens.increment();
            if (firstToken) {
                firstToken = false;
                meters.timeToFirstToken.record(nanoTime - arrival, TimeUnit.NANOSECONDS);
            }
            if (choice < lastToken.length) {
                if (lastToken[choice] != NONE) {
                    meters.interTokenLatency.record(nanoTime - lastToken[choice],
                            TimeUnit.NANOSECONDS);
                }
                lastToken[choice] = nanoTime;
                if (finish != null) {
                    // The choice's sequence is closed now: its KV cache is freed.
                    meters.kvPositions.addAndGet(-kvPositions[choice]);
                    kvPositions[choice] = 0;
                }
            }
            if (finish == TextStream.Finish.LENGTH) {
                length = true;
            }
        }

        @Override
        public void ended(End end) {
            if (ended) {
                return;
            }
            ended = true;
            if (started) {
                meters.runningRequests.decrementAndGet();
                long left = 0;
                for (int p : kvPositions) {
                    left += p;
                }
                meters.kvPositions.addAndGet(-left);
            }
            Outcome outcome = switch (end) {
                case COMPLETED -> length ? Outcome.LENGTH : Outcome.STOP;
                case CANCELLED -> Outcome.CANCELLED;
                case TIMED_OUT -> Outcome.TIMEOUT;
                case FAILED -> Outcome.ERROR;
            };
            if (end == End.COMPLETED) {
                meters.requestLatency.record(System.nanoTime() - arrival, TimeUnit.NANOSECONDS);
            }
            meters.ended(outcome);
        }
    }
}
