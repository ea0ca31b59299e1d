package dev.moeplatform.engine;

import dev.moeplatform.engine.tokenizer.ChatTemplate;
import dev.moeplatform.engine.tokenizer.Tokenizer;
import dev.moeplatform.engine.tokenizer.Vocabulary;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * A loaded GGUF model: owns the native model handle (the memory-mapped weights and the thread pool) and the
 * sequences created from it. {@link #step} advances many sequences at once, each by its pending prompt or by one
 * token, which is what continuous batching needs.
 *
 * <p>Thread-safety: every operation takes this model's lock, so the engine runs one step at a time and no native
 * handle is used concurrently or after it is freed. {@link #close()} frees the sequences too; using anything after
 * that throws {@link IllegalStateException}.
 */
public final class Model implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ReentrantLock lock = new ReentrantLock();
    private final Set<Sequence> sequences = new HashSet<>();
    private final ModelInfo info;
    private final Vocabulary vocabulary;
    private final Tokenizer tokenizer;
    private long handle;
    private float[] logits = new float[0];
    private byte[][] tokenBytes; // JSON mode's view of the vocabulary, built on first use

    private Model(long handle) {
        this.handle = handle;
        this.info = JSON.readValue(NativeEngine.modelInfoJson(handle), ModelInfo.class);
        this.vocabulary = GgufVocabulary.read(handle, info.vocabSize());
        this.tokenizer = Tokenizer.of(vocabulary);
    }

    /**
     * Loads a GGUF model file.
     *
     * @throws GgufFormatException when the file is not a valid model (the message names the problem)
     * @throws EngineException when it cannot be read or mapped
     */
    public static Model load(Path file, ModelOptions options) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new EngineException("Not a readable file: " + file);
        }
        NativeLibrary.ensureLoaded();
        long handle = NativeEngine.modelLoad(file.toAbsolutePath().toString(), options.threads(), options.kernels());
        try {
            NativeEngine.modelSetKvBudget(handle, options.kvCacheBytes());
            return new Model(handle);
        } catch (RuntimeException e) {
            NativeEngine.modelFree(handle);
            throw e;
        }
    }

    /** The kernel paths this CPU supports, fastest first (e.g. avx2-q8a, avx2, scalar). */
    public static List<String> supportedKernels() {
        NativeLibrary.ensureLoaded();
        return List.of(NativeEngine.supportedKernels());
    }

    public ModelInfo info() {
        return info;
    }

    public Vocabulary vocabulary() {
        return vocabulary;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The chat template stored in the file, if it has one. */
    public Optional<ChatTemplate> chatTemplate() {
        if (vocabulary.chatTemplate() == null) {
            return Optional.empty();
        }
        return Optional.of(new ChatTemplate(vocabulary.chatTemplate(), tokenText(vocabulary.bosId()),
                tokenText(vocabulary.eosId())));
    }

    /** A GGUF metadata string, e.g. {@code general.name}. */
    public Optional<String> metadataString(String key) {
        return locked(() -> Optional.ofNullable(NativeEngine.metaString(requireOpen(), key)));
    }

    /** A new sequence with room for {@code contextLength} positions (at most the model's context length). */
    public Sequence newSequence(int contextLength, SamplingParams params) {
        if (contextLength < 1 || contextLength > info.contextLength()) {
            throw new IllegalArgumentException("context length must be between 1 and the model's "
                    + info.contextLength() + ", not " + contextLength);
        }
        return locked(() -> {
            Sequence sequence = new Sequence(this, NativeEngine.sequenceNew(requireOpen(), contextLength),
                    contextLength, params);
            sequences.add(sequence);
            return sequence;
        });
    }

    /**
     * Advances each sequence: it consumes its pending input (or its last sampled token) and samples its next token,
     * available afterwards from {@link Sequence#lastSampled()}. The whole batch is checked before anything runs.
     *
     * @return the sequences that sampled a token: all of them
     * @throws KvCacheFullException when the KV cache budget cannot hold the step (nothing changed)
     */
    public List<Sequence> step(Collection<Sequence> batch) {
        return step(batch, Integer.MAX_VALUE);
    }

    /**
     * One step of at most {@code tokenBudget} tokens (chunked prefill): each decoding sequence (no pending input)
     * takes its one token first, then sequences with pending input take chunks of it, in batch order, from what is
     * left; a sequence left with nothing this step sits it out. A sequence whose pending input is consumed in full
     * samples its next token; one that consumed only part of it samples nothing and continues next step. Every step
     * makes progress: with decoders taking the whole budget none of the prefills run, and with no decoders at least
     * one chunk runs however small the budget.
     *
     * @return the sequences that sampled a token in this step
     * @throws KvCacheFullException when the KV cache budget cannot hold the step (nothing changed)
     */
    public List<Sequence> step(Collection<Sequence> batch, int tokenBudget) {
        if (tokenBudget < 1) {
            throw new IllegalArgumentException("the step's token budget must be >= 1, not " + tokenBudget);
        }
        return locked(() -> {
            long model = requireOpen();
            List<Sequence> ordered = new ArrayList<>(new LinkedHashSet<>(batch));
            if (ordered.size() != batch.size()) {
                throw new IllegalArgumentException("a sequence appears twice in one step");
            }
            for (Sequence sequence : ordered) {
                if (sequence.model() != this) {
                    throw new IllegalArgumentException("sequence belongs to another model");
                }
                sequence.requireOpen();
            }
            int[] takes = new int[ordered.size()];
            long left = tokenBudget;
            for (int i = 0; i < ordered.size(); i++) {
                if (ordered.get(i).pendingTokens() == 0) {
                    takes[i] = ordered.get(i).nextInput(1).length; // throws when it has no input at all
                    left -= 1;
                }
            }
            boolean anyDecoder = left < tokenBudget;
            for (int i = 0; i < ordered.size(); i++) {
                int pending = ordered.get(i).pendingTokens();
                if (pending > 0 && (left > 0 || !anyDecoder)) {
                    takes[i] = (int) Math.min(pending, Math.max(left, 1));
                    left -= takes[i];
                    anyDecoder = true; // one chunk is enough to make progress
                }
            }
            List<Sequence> stepping = new ArrayList<>();
            List<Integer> counts = new ArrayList<>();
            int total = 0;
            for (int i = 0; i < ordered.size(); i++) {
                if (takes[i] > 0) {
                    stepping.add(ordered.get(i));
                    counts.add(takes[i]);
                    total += takes[i];
                }
            }
            long[] handles = new long[stepping.size()];
            int[] countArray = new int[stepping.size()];
            int[] tokens = new int[total];
            int at = 0;
            for (int i = 0; i < stepping.size(); i++) {
                handles[i] = stepping.get(i).handle();
                countArray[i] = counts.get(i);
                int[] input = stepping.get(i).nextInput(countArray[i]);
                System.arraycopy(input, 0, tokens, at, input.length);
                at += input.length;
            }
            int vocab = info.vocabSize();
            if (logits.length < stepping.size() * vocab) {
                logits = new float[stepping.size() * vocab];
            }
            NativeEngine.step(model, handles, tokens, countArray, logits);
            List<Sequence> sampled = new ArrayList<>();
            for (int i = 0; i < stepping.size(); i++) {
                if (stepping.get(i).afterStep(countArray[i], logits, i * vocab, vocab)) {
                    sampled.add(stepping.get(i));
                }
            }
            return sampled;
        });
    }

    /**
     * Where the engine's steps spent their time since load or the last reset: matrix products by weight type,
     * attention, and the rest (norms, RoPE, routing, sampling buffers).
     */
    public StepProfile profile(boolean reset) {
        return locked(() -> StepProfile.parse(NativeEngine.profileJson(requireOpen(), reset)));
    }

    /** The KV cache pages the live sequences hold, and the budget. */
    public KvCacheUsage kvCache() {
        return locked(() -> {
            long[] usage = NativeEngine.kvCacheUsage(requireOpen());
            return new KvCacheUsage(usage[0], usage[1], usage[2], info.kvPagePositions());
        });
    }

    /** Tokens routed to each expert since load or the last reset. */
    public ExpertStats expertStats() {
        return locked(() -> new ExpertStats(info.layers(), info.experts(), NativeEngine.expertCounts(requireOpen())));
    }

    public void resetExpertStats() {
        locked(() -> {
            NativeEngine.expertCountsReset(requireOpen());
            return null;
        });
    }

    @Override
    public void close() {
        locked(() -> {
            if (handle != 0) {
                sequences.forEach(Sequence::invalidate);
                sequences.clear();
                NativeEngine.modelFree(handle);
                handle = 0;
            }
            return null;
        });
    }

    /** JSON mode for a new sequence (under the lock): the vocabulary's bytes are computed once per model. */
    JsonConstraint jsonConstraint(SamplingParams params) {
        if (tokenBytes == null) {
            byte[][] table = new byte[info.vocabSize()][];
            for (int id = 0; id < table.length; id++) {
                table[id] = id < tokenizer.vocabSize() ? tokenizer.tokenBytes(id) : null;
            }
            tokenBytes = table;
        }
        Set<Integer> stops = new HashSet<>(params.stopTokenIds());
        if (tokenizer.eosId() >= 0) {
            stops.add(tokenizer.eosId());
        }
        return new JsonConstraint(tokenBytes, stops);
    }

    // ---- shared with Sequence ------------------------------------------------------------------------------

    <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    void forget(Sequence sequence) {
        sequences.remove(sequence);
    }

    /** The live native handle, for this package's tests that call {@link NativeEngine} directly. */
    long requireOpen() {
        if (handle == 0) {
            throw new IllegalStateException("model is closed");
        }
        return handle;
    }

    private String tokenText(int id) {
        return id >= 0 && id < vocabulary.size() ? vocabulary.tokens().get(id) : "";
    }

    @Override
    public String toString() {
        return "Model[" + info.architecture() + ", " + info.layers() + " layers, vocab " + info.vocabSize()
                + (info.isMixtureOfExperts() ? ", " + info.experts() + " experts top-" + info.expertsUsed() : "")
                + ", kernels " + info.kernels() + "]";
    }
}
