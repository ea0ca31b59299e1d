package dev.moeplatform.engine.tools;

import dev.moeplatform.engine.gguf.GgmlType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A synthetic model in memory: its spec and every tensor's values as the GGUF file stores them, dequantized to
 * float, so that a reference forward pass sees exactly the weights the engine sees.
 */
public record SyntheticModel(ModelSpec spec, Map<String, Tensor> tensors) {

    /**
     * One tensor; {@code dims} are ne0 first, and {@code values} are in file order (ne0 fastest).
     */
    public record Tensor(String name, GgmlType type, long[] dims, float[] values) {

        /** {@code ne0}: the length of a row (the input size of a matrix). */
        public int cols() {
            return Math.toIntExact(dims[0]);
        }

        /** The number of rows: the product of the dims after the first. */
        public int rows() {
            return values.length / cols();
        }
    }

    public SyntheticModel {
        tensors = Map.copyOf(tensors);
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        return t;
    }

    public float[] values(String name) {
        return tensor(name).values();
    }

    /** A copy with one tensor's values replaced as given (not re-quantized): for tests that wire weights by hand. */
    public SyntheticModel with(String name, float[] values) {
        Tensor t = tensor(name);
        if (values.length != t.values().length) {
            throw new IllegalArgumentException(name + " has " + t.values().length + " values, not " + values.length);
        }
        Map<String, Tensor> copy = new LinkedHashMap<>(tensors);
        copy.put(name, new Tensor(name, t.type(), t.dims(), values));
        return new SyntheticModel(spec, copy);
    }
}
