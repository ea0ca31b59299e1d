package dev.moeplatform.inference.scheduling;

import dev.moeplatform.engine.KvCacheUsage;
import dev.moeplatform.engine.Model;
import dev.moeplatform.engine.SampledToken;
import dev.moeplatform.engine.Sequence;
import dev.moeplatform.engine.TextStream;
import dev.moeplatform.web.errors.ApiError;
import dev.moeplatform.web.errors.ApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching over one native model. A single engine thread loops: admit waiting requests into the running
 * batch (round-robin across tenants, up to {@code max-running-sequences}), drop cancelled and timed-out ones, run
 * ONE engine step over every running sequence (at most {@code max-step-tokens}: decoding sequences first, long
 * prompts in chunks), hand each sequence that sampled its new token, and retire the finished ones (closing a sequence
 * frees its KV cache pages at once). It sleeps while there is nothing to do.
 *
 * <p>With a KV cache budget ({@code platform.inference.engine.kv-cache}) a request is admitted only when its worst
 * case (whole pages for prompt plus max_tokens, per choice) fits beside what the running requests reserved; until
 * then it waits at the head of the queue, so a running sequence never runs out of cache mid-generation.
 *
 * <p>Callers {@link #submit} from any thread and read events from the {@link Generation} they get back; only the
 * engine thread touches the model, so a step is never interleaved with anything else.
 */
public final class Scheduler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final String modelId;
    private final Model model;
    private final SchedulerProperties limits;
    private final SchedulerListener listener;
    private final Thread engineThread;

    // Guarded by lock: what submit() and the engine thread share.
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final FairQueue<Job> waiting = new FairQueue<>();
    private int runningSequences;
    private long tokensInFlight;
    private long steps;
    private long busyNanos;
    private long kvReserved;
    private long kvUsed;
    private long completed;
    private long cancelled;
    private long timedOut;
    private long rejected;
    private boolean closed;

    // Engine thread only.
    private final List<Job> running = new ArrayList<>();
    private final KvCacheUsage kvCache; // the budget and page size (fixed for the model's life)

    public Scheduler(String modelId, Model model, SchedulerProperties limits) {
        this(modelId, model, limits, SchedulerListener.NONE);
    }

    /** @param listener told of every request's life (metrics); its calls must be cheap and never block */
    public Scheduler(String modelId, Model model, SchedulerProperties limits, SchedulerListener listener) {
        this.modelId = modelId;
        this.model = model;
        this.limits = limits;
        this.listener = listener;
        this.kvCache = model.kvCache();
        this.engineThread = Thread.ofPlatform().name("engine-" + modelId).daemon().unstarted(this::loop);
        engineThread.start();
    }

    /**
     * Accepts a request or refuses it at once.
     *
     * @throws EngineOverloadedException when the queue or the tokens in flight are at their limit
     * @throws ApiException 400 when the request alone is larger than the limits allow
     */
    public Generation submit(GenerationRequest request) {
        long tokens = request.tokensNeeded();
        if (request.choices().size() > limits.maxRunningSequences()) {
            throw new ApiException(new ApiError(400, "This server runs at most " + limits.maxRunningSequences()
                    + " sequences at once; the request asks for " + request.choices().size() + " choices.", "n",
                    "too_many_choices"));
        }
        if (tokens > limits.maxTokensInFlight()) {
            throw new ApiException(new ApiError(400, "The request needs " + tokens + " tokens (prompt plus max_tokens "
                    + "for each choice), more than this server holds at once (" + limits.maxTokensInFlight()
                    + "). Reduce max_tokens, n or the prompt.", "max_tokens", "request_too_large"));
        }
        long kvNeeded = kvBytesNeeded(request);
        if (kvCache.budgetBytes() > 0 && kvNeeded > kvCache.budgetBytes()) {
            throw new ApiException(new ApiError(400, "The request needs " + kvNeeded + " bytes of KV cache (prompt "
                    + "plus max_tokens for each choice), more than this model's whole budget of "
                    + kvCache.budgetBytes() + " bytes. Reduce max_tokens, n or the prompt.", "max_tokens",
                    "request_too_large"));
        }
        Duration timeout = request.timeout() == null || request.timeout().compareTo(limits.requestTimeout()) > 0
                ? limits.requestTimeout() : request.timeout();
        Generation generation = new Generation(timeout, this::wake);
        lock.lock();
        try {
            if (closed) {
                throw new ApiException(new ApiError(503, "The model '" + modelId + "' is shutting down.", "model",
                        "backend_unavailable"));
            }
            if (waiting.size() >= limits.maxQueuedRequests()) {
                rejected++;
                listener.rejected(modelId);
                throw new EngineOverloadedException("The model '" + modelId + "' is at capacity: "
                        + limits.maxQueuedRequests() + " requests are already waiting. Retry shortly.",
                        limits.retryAfter());
            }
            if (tokensInFlight + tokens > limits.maxTokensInFlight()) {
                rejected++;
                listener.rejected(modelId);
                throw new EngineOverloadedException("The model '" + modelId + "' is at capacity: " + tokensInFlight
                        + " of " + limits.maxTokensInFlight() + " tokens are in flight and this request needs "
                        + tokens + ". Retry shortly.", limits.retryAfter());
            }
            tokensInFlight += tokens;
            waiting.add(request.tenant(), new Job(request, generation, tokens, kvNeeded,
                    listener.accepted(modelId, request)));
            work.signal();
        } finally {
            lock.unlock();
        }
        return generation;
    }

    public SchedulerStats stats() {
        lock.lock();
        try {
            return new SchedulerStats(runningSequences, waiting.size(), tokensInFlight, steps, completed, cancelled,
                    timedOut, rejected, busyNanos, kvUsed, kvReserved);
        } finally {
            lock.unlock();
        }
    }

    public String modelId() {
        return modelId;
    }

    /** Stops the engine thread; requests still queued or running fail with 503. The model stays open. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        try {
            engineThread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void wake() {
        lock.lock();
        try {
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    // ---- the engine thread -------------------------------------------------------------------------------------

    private void loop() {
        try {
            while (true) {
                List<Job> admitted = admitOrWait();
                if (admitted == null) {
                    break;
                }
                admitted.forEach(this::start);
                evictStopped();
                if (!running.isEmpty()) {
                    step();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            shutDown();
        }
    }

    /** Sleeps while idle; then takes waiting jobs that fit the batch. Null when the scheduler is closed. */
    private List<Job> admitOrWait() throws InterruptedException {
        lock.lock();
        try {
            while (!closed && running.isEmpty() && waiting.isEmpty()) {
                work.await();
            }
            if (closed) {
                return null;
            }
            long now = System.nanoTime();
            waiting.removeIf(job -> job.generation.cancelled() || job.generation.expired(now), job -> {
                tokensInFlight -= job.tokens;
                if (job.generation.cancelled()) {
                    cancelled++;
                    job.observer.ended(SchedulerListener.End.CANCELLED);
                } else {
                    timedOut++;
                    job.observer.ended(SchedulerListener.End.TIMED_OUT);
                    job.generation.deliver(timeoutEvent(job));
                }
            });
            List<Job> admitted = new ArrayList<>();
            // Head-of-line: a large request waits for room (batch slots, KV cache) rather than being overtaken
            // forever by small ones.
            while (!waiting.isEmpty()
                    && runningSequences + waiting.peek().request.choices().size() <= limits.maxRunningSequences()
                    && (kvCache.budgetBytes() == 0 || kvReserved + waiting.peek().kvBytes <= kvCache.budgetBytes())) {
                Job job = waiting.poll();
                runningSequences += job.request.choices().size();
                kvReserved += job.kvBytes;
                admitted.add(job);
            }
            return admitted;
        } finally {
            lock.unlock();
        }
    }

    /** Creates the job's sequences and queues their prompts (each choice is prefilled on its own for now). */
    private void start(Job job) {
        try {
            int[] contexts = new int[job.request.choices().size()];
            for (GenerationRequest.Choice choice : job.request.choices()) {
                int context = Math.min(model.info().contextLength(), choice.tokensNeeded());
                Sequence sequence = model.newSequence(context, choice.params());
                contexts[job.choices.size()] = context;
                job.choices.add(new ChoiceState(sequence, new TextStream(model.tokenizer(), choice.params())));
                sequence.append(choice.prompt());
            }
            job.observer.started(contexts);
            running.add(job);
        } catch (RuntimeException e) {
            log.error("Cannot start a request on model '{}'", modelId, e);
            retire(job, new GenerationEvent.Failed(new ApiError(500, "The engine could not start this request: "
                    + e.getMessage(), null, "engine_error")), Outcome.FAILED);
        }
    }

    private void evictStopped() {
        long now = System.nanoTime();
        for (Iterator<Job> it = running.iterator(); it.hasNext(); ) {
            Job job = it.next();
            if (job.generation.cancelled()) {
                it.remove();
                retire(job, null, Outcome.CANCELLED);
            } else if (job.generation.expired(now)) {
                it.remove();
                retire(job, timeoutEvent(job), Outcome.TIMED_OUT);
            }
        }
    }

    private void step() {
        List<Sequence> batch = new ArrayList<>();
        for (Job job : running) {
            for (ChoiceState choice : job.choices) {
                if (!choice.done) {
                    batch.add(choice.sequence);
                }
            }
        }
        long stepStart = System.nanoTime();
        Set<Sequence> sampled = Collections.newSetFromMap(new IdentityHashMap<>());
        try {
            sampled.addAll(model.step(batch, limits.maxStepTokens()));
        } catch (RuntimeException e) {
            log.error("Engine step failed on model '{}' ({} sequences)", modelId, batch.size(), e);
            List<Job> failed = new ArrayList<>(running);
            running.clear();
            failed.forEach(job -> retire(job, new GenerationEvent.Failed(new ApiError(500, "The engine failed: "
                    + e.getMessage(), null, "engine_error")), Outcome.FAILED));
            return;
        }
        long kvAfterStep = kvCacheUsedNow();
        lock.lock();
        try {
            steps++;
            busyNanos += System.nanoTime() - stepStart;
            kvUsed = kvAfterStep;
        } finally {
            lock.unlock();
        }
        for (Iterator<Job> it = running.iterator(); it.hasNext(); ) {
            Job job = it.next();
            for (int i = 0; i < job.choices.size(); i++) {
                ChoiceState choice = job.choices.get(i);
                if (!choice.done && sampled.contains(choice.sequence)) { // a prompt still prefilling samples nothing
                    deliverToken(job, i, choice);
                }
            }
            if (job.choices.stream().allMatch(c -> c.done)) {
                it.remove();
                int tokens = job.choices.stream().mapToInt(c -> c.text.tokens()).sum();
                retire(job, new GenerationEvent.Completed(tokens), Outcome.COMPLETED);
            }
        }
    }

    private void deliverToken(Job job, int index, ChoiceState choice) {
        SampledToken token = choice.sequence.lastSampled();
        TextStream.Delta delta = choice.text.accept(token.id());
        TextStream.Finish finish = delta.finish();
        if (finish == null && !choice.sequence.canStep()) {
            finish = TextStream.Finish.LENGTH; // the context is full
        }
        if (finish != null) {
            choice.done = true;
            choice.sequence.close();
        }
        job.observer.token(index, finish, System.nanoTime());
        job.generation.deliver(new GenerationEvent.Token(index, delta.text(), token, finish));
    }

    /** KV cache pages held now (engine thread); 0 once the model is closed. */
    private long kvCacheUsedNow() {
        try {
            return model.kvCache().usedBytes();
        } catch (IllegalStateException closedModel) {
            return 0;
        }
    }

    /** The request's worst case in KV cache pages: each choice's context as {@link #start} sizes it. */
    private long kvBytesNeeded(GenerationRequest request) {
        long bytes = 0;
        for (GenerationRequest.Choice choice : request.choices()) {
            bytes += kvCache.bytesFor(Math.min(model.info().contextLength(), choice.tokensNeeded()));
        }
        return bytes;
    }

    private enum Outcome { COMPLETED, CANCELLED, TIMED_OUT, FAILED }

    /** Frees the job's sequences and its share of the limits, and tells its caller how it ended. */
    private void retire(Job job, GenerationEvent last, Outcome outcome) {
        job.choices.forEach(c -> c.sequence.close());
        long kvNow = kvCacheUsedNow();
        lock.lock();
        try {
            kvUsed = kvNow;
            runningSequences -= job.request.choices().size();
            tokensInFlight -= job.tokens;
            kvReserved -= job.kvBytes;
            switch (outcome) {
                case COMPLETED -> completed++;
                case CANCELLED -> cancelled++;
                case TIMED_OUT -> timedOut++;
                case FAILED -> { }
            }
        } finally {
            lock.unlock();
        }
        job.observer.ended(switch (outcome) {
            case COMPLETED -> SchedulerListener.End.COMPLETED;
            case CANCELLED -> SchedulerListener.End.CANCELLED;
            case TIMED_OUT -> SchedulerListener.End.TIMED_OUT;
            case FAILED -> SchedulerListener.End.FAILED;
        });
        if (last != null) {
            job.generation.deliver(last);
        }
    }

    private GenerationEvent.Failed timeoutEvent(Job job) {
        return new GenerationEvent.Failed(new ApiError(504, "The request did not finish within its time limit of "
                + job.generation.timeout().toMillis() + " ms; it was stopped.", null, "request_timeout"));
    }

    private void shutDown() {
        List<Job> left = new ArrayList<>(running);
        running.clear();
        lock.lock();
        try {
            closed = true;
            while (!waiting.isEmpty()) {
                Job job = waiting.poll();
                runningSequences += job.request.choices().size(); // retire() takes it back off
                kvReserved += job.kvBytes;
                left.add(job);
            }
        } finally {
            lock.unlock();
        }
        ApiError stopping = new ApiError(503, "The model '" + modelId + "' is shutting down.", null,
                "backend_unavailable");
        left.forEach(job -> retire(job, new GenerationEvent.Failed(stopping), Outcome.FAILED));
    }

    /** One accepted request and, once running, its sequences. */
    private static final class Job {
        final GenerationRequest request;
        final Generation generation;
        final long tokens;
        final long kvBytes; // reserved while running
        final SchedulerListener.RequestObserver observer;
        final List<ChoiceState> choices = new ArrayList<>();

        Job(GenerationRequest request, Generation generation, long tokens, long kvBytes,
                SchedulerListener.RequestObserver observer) {
            this.request = request;
            this.generation = generation;
            this.tokens = tokens;
            this.kvBytes = kvBytes;
            this.observer = observer;
        }
    }

    private static final class ChoiceState {
        final Sequence sequence;
        final TextStream text;
        boolean done;

        ChoiceState(Sequence sequence, TextStream text) {
            this.sequence = sequence;
            this.text = text;
        }
    }
}
