package dev.moeplatform.engine;

/**
 * A step needs more KV cache pages than the model's budget ({@link ModelOptions#kvCacheBytes()}) has free. Nothing
 * was computed; the step can be retried once other sequences are closed (which frees their pages at once).
 */
public class KvCacheFullException extends EngineException {

    public KvCacheFullException(String message) {
        super(message);
    }
}
