package dev.moeplatform.engine;

/** A failure inside the native engine (I/O, memory, an unsupported model), reported instead of crashing. */
public class EngineException extends RuntimeException {

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
