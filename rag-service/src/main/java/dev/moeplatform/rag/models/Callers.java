package dev.moeplatform.rag.models;

import dev.moeplatform.contracts.identity.PlatformIdentity;

/**
 * The tenant on whose behalf model calls are made, bound for the extent of one operation (a request, an ingestion
 * job). Spring AI calls {@link org.springframework.ai.embedding.EmbeddingModel} from inside its vector store with no
 * way to pass a caller, so the caller travels as a scoped value; nothing calls a model without one.
 */
public final class Callers {

    private static final ScopedValue<PlatformIdentity> CURRENT = ScopedValue.newInstance();

    private Callers() {
    }

    public static <T, X extends Throwable> T callAs(PlatformIdentity caller, ScopedValue.CallableOp<T, X> op) throws X {
        return ScopedValue.where(CURRENT, caller).call(op);
    }

    /** @throws IllegalStateException when no caller is bound: a bug, since every model call is on someone's behalf */
    static PlatformIdentity current() {
        if (!CURRENT.isBound()) {
            throw new IllegalStateException("a model call needs the caller it is made for; none is bound");
        }
        return CURRENT.get();
    }
}
