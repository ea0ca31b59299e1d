package dev.moeplatform.engine;

import java.util.Arrays;

/**
 * One conversation's state in a model: its KV cache (native pages, taken as it grows and freed when it closes) and its
 * sampler.
 * Feed it prompt tokens with {@link #append}; each {@link Model#step} then consumes the pending tokens (or, once the
 * prompt is in, the token sampled last) and samples the next token.
 *
 * <p>Thread-safety: a sequence is used under its model's lock (every method takes it), so any thread may call it, and
 * calls from several threads are serialised. Closing is idempotent; using a closed sequence throws
 * {@link IllegalStateException}.
 */
public final class Sequence implements AutoCloseable {

    private final Model model;
    private final int contextLength;
    private final Sampler sampler;
    private final boolean constrained;
    private final int maxTokens;
    private long handle;
    private int[] pending = new int[0];
    private SampledToken last;
    private int generated;

    Sequence(Model model, long handle, int contextLength, SamplingParams params) {
        this.model = model;
        this.handle = handle;
        this.contextLength = contextLength;
        this.constrained = params.responseFormat() == SamplingParams.ResponseFormat.JSON_OBJECT;
        this.sampler = new Sampler(params, constrained ? model.jsonConstraint(params) : null);
        this.maxTokens = params.maxTokens();
    }

    /** Queues tokens (a prompt, or more input later in the conversation) for the next step. */
    public void append(int... tokens) {
        model.locked(() -> {
            requireOpen();
            for (int token : tokens) {
                if (token < 0 || token >= model.info().vocabSize()) {
                    throw new IllegalArgumentException("token id " + token + " is outside the vocabulary of "
                            + model.info().vocabSize());
                }
            }
            if (position() + pending.length + tokens.length > contextLength) {
                throw new IllegalArgumentException("prompt of " + (position() + pending.length + tokens.length)
                        + " tokens does not fit this sequence's context of " + contextLength);
            }
            sampler.acceptPrompt(tokens);
            int[] grown = Arrays.copyOf(pending, pending.length + tokens.length);
            System.arraycopy(tokens, 0, grown, pending.length, tokens.length);
            pending = grown;
            return null;
        });
    }

    /** Positions consumed so far (prompt and generated tokens that went through the model). */
    public int position() {
        return model.locked(() -> {
            requireOpen();
            return NativeEngine.sequencePosition(handle);
        });
    }

    public int contextLength() {
        return contextLength;
    }

    /** The token sampled by the last step, or null before the first step. */
    public SampledToken lastSampled() {
        return model.locked(() -> last);
    }

    /** How many tokens this sequence has sampled. */
    public int generatedTokens() {
        return model.locked(() -> generated);
    }

    /** Whether another step fits: there is input to feed and room in the context for it. */
    public boolean canStep() {
        return model.locked(() -> handle != 0 && (pending.length > 0 || last != null)
                && NativeEngine.sequencePosition(handle) + Math.max(1, pending.length) <= contextLength);
    }

    @Override
    public void close() {
        model.locked(() -> {
            if (handle != 0) {
                NativeEngine.sequenceFree(handle);
                handle = 0;
                model.forget(this);
            }
            return null;
        });
    }

    // ---- used by Model.step under the model's lock --------------------------------------------------------

    long handle() {
        return handle;
    }

    Model model() {
        return model;
    }

    void requireOpen() {
        if (handle == 0) {
            throw new IllegalStateException("sequence is closed");
        }
    }

    int pendingTokens() {
        return pending.length;
    }

    /** The tokens the next step feeds: up to {@code max} of the pending input, else the last sampled token. */
    int[] nextInput(int max) {
        if (pending.length > 0) {
            return pending.length <= max ? pending : Arrays.copyOf(pending, max);
        }
        if (last == null) {
            throw new IllegalStateException("sequence has no input: append prompt tokens first");
        }
        return new int[] {last.id()};
    }

    /**
     * After a step that fed {@code consumed} tokens: samples the next token once the pending input is all in.
     *
     * @return whether it sampled
     */
    boolean afterStep(int consumed, float[] logits, int offset, int vocab) {
        if (consumed < pending.length) {
            pending = Arrays.copyOfRange(pending, consumed, pending.length);
            return false;
        }
        pending = new int[0];
        int tokensLeftAfter = JsonConstraint.UNLIMITED;
        if (constrained) {
            // After this token: what max_tokens leaves, and what the context leaves (each step feeds one token).
            tokensLeftAfter = Math.max(0, Math.min(maxTokens - generated - 1,
                    contextLength - NativeEngine.sequencePosition(handle)));
        }
        last = sampler.sample(logits, offset, vocab, tokensLeftAfter);
        generated++;
        return true;
    }

    /** Called by Model.close: the native memory is freed with the model. */
    void invalidate() {
        if (handle != 0) {
            NativeEngine.sequenceFree(handle);
            handle = 0;
        }
    }
}
