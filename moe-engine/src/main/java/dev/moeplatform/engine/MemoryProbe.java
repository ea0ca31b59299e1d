package dev.moeplatform.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Machine figures the benchmark reports next to the engine's own. */
public final class MemoryProbe {

    private MemoryProbe() {
    }

    /** Bytes per second this machine reads from memory with {@code threads} threads (a buffer far larger than cache). */
    public static double bandwidth(long bytes, int passes, int threads) {
        if (bytes < 1 << 20 || passes < 1 || threads < 1) {
            throw new IllegalArgumentException("need at least 1 MiB, one pass and one thread");
        }
        NativeLibrary.ensureLoaded();
        return NativeEngine.memoryBandwidth(bytes, passes, threads);
    }

    /** This process's resident set size in bytes (mapped weight pages that were read count), or -1 if unknown. */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
