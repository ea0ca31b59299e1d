package dev.moeplatform.e2e;

import dev.moeplatform.testing.Http;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One service's boot jar running as its own JVM, exactly as {@code scripts/platform up} runs it. */
final class ServiceProcess implements AutoCloseable {

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;

    private ServiceProcess(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /** Test settings: a small heap and quick start-up (C1 only), enough for functional tests. */
    static final List<String> TEST_JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

    static ServiceProcess start(String name, Path jar, int port, Map<String, String> environment, Path logDir)
            throws IOException {
        return start(name, jar, port, environment, logDir, TEST_JVM);
    }

    static ServiceProcess start(String name, Path jar, int port, Map<String, String> environment, Path logDir,
            List<String> jvmOptions) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build the services first (./mvnw package, or run"
                    + " the whole build with scripts/platform test)");
        }
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        // --enable-native-access: inference-service runs the native engine through JNI (harmless elsewhere).
        List<String> command = new java.util.ArrayList<>(List.of(java));
        command.addAll(jvmOptions);
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        return new ServiceProcess(name, port, log, builder.start());
    }

    String name() {
        return name;
    }

    Http http() {
        return new Http(baseUrl());
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Polls the readiness probe; fails fast, with the end of the service's log, if the process dies. */
    void awaitReady(Instant deadline) throws IOException, InterruptedException {
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready;"
                        + " its log ends:\n" + tail());
            }
            try {
                if (http().get("/actuator/health/readiness").status() == 200) {
                    return;
                }
            } catch (RuntimeException notListeningYet) {
                // keep polling until the deadline
            }
            Thread.sleep(Duration.ofMillis(500));
        }
        throw new IllegalStateException(name + " was not ready in time; its log ends:\n" + tail());
    }

    private String tail() throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** SIGKILL, as a crash or an OOM kill would end it: no shutdown hook, no last commit. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM (graceful shutdown), then force after a grace period so no process outlives the test run. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
