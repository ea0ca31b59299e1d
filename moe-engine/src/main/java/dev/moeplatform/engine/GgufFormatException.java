package dev.moeplatform.engine;

/** The file is not a GGUF model this engine can load; the message names the first problem found. */
public class GgufFormatException extends EngineException {

    public GgufFormatException(String message) {
        super(message);
    }
}
