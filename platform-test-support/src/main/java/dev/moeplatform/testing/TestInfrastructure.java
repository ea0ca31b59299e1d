package dev.moeplatform.testing;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The one switch between the two ways tests get PostgreSQL (with pgvector), Redis and Kafka:
 * <ul>
 *   <li>{@code containers}: Testcontainers starts them, once per JVM, when a Docker engine is available;</li>
 *   <li>{@code local}: the servers {@code scripts/platform} started (or any given by the same environment variables
 *       the services read: {@code PLATFORM_PG_HOST}, {@code PLATFORM_PG_PORT}, {@code PLATFORM_DB_USER},
 *       {@code PLATFORM_DB_PASSWORD}, {@code PLATFORM_REDIS_URL}, {@code PLATFORM_KAFKA_BOOTSTRAP}).</li>
 * </ul>
 * {@code PLATFORM_TEST_INFRA} (environment or system property) chooses {@code local}, {@code containers} or
 * {@code auto} (the default: containers when Docker answers, else local). Tests never know which one they got.
 */
public final class TestInfrastructure {

    public enum Mode { LOCAL, CONTAINERS }

    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final String PGVECTOR_IMAGE = "pgvector/pgvector:pg15";
    private static final String REDIS_IMAGE = "redis:7-alpine";
    private static final String KAFKA_IMAGE = "apache/kafka:4.1.2";

    private static TestInfrastructure instance;

    private final Mode mode;
    private final Set<String> databasesCreatedThisRun = new HashSet<>();
    private PostgreSQLContainer postgresContainer;
    private GenericContainer<?> redisContainer;
    private KafkaContainer kafkaContainer;

    private TestInfrastructure(Mode mode) {
        this.mode = mode;
    }

    /** The infrastructure of this test JVM; containers, if used, are started on first use and shared. */
    public static synchronized TestInfrastructure get() {
        if (instance == null) {
            instance = new TestInfrastructure(chooseMode(setting("PLATFORM_TEST_INFRA", "auto")));
        }
        return instance;
    }

    static Mode chooseMode(String setting) {
        return switch (setting.toLowerCase(Locale.ROOT)) {
            case "local" -> Mode.LOCAL;
            case "containers" -> Mode.CONTAINERS;
            case "auto" -> DockerClientFactory.instance().isDockerAvailable() ? Mode.CONTAINERS : Mode.LOCAL;
            default -> throw new IllegalArgumentException(
                    "PLATFORM_TEST_INFRA must be local, containers or auto, not '" + setting + "'");
        };
    }

    public Mode mode() {
        return mode;
    }

    // ---- PostgreSQL ------------------------------------------------------------------------------------------

    public synchronized String postgresHost() {
        return mode == Mode.CONTAINERS ? postgres().getHost() : setting("PLATFORM_PG_HOST", "127.0.0.1");
    }

    public synchronized int postgresPort() {
        return mode == Mode.CONTAINERS
                ? postgres().getMappedPort(5432)
                : Integer.parseInt(setting("PLATFORM_PG_PORT", "15432"));
    }

    public synchronized String dbUser() {
        return mode == Mode.CONTAINERS ? postgres().getUsername() : setting("PLATFORM_DB_USER", "platform");
    }

    public synchronized String dbPassword() {
        return mode == Mode.CONTAINERS ? postgres().getPassword() : setting("PLATFORM_DB_PASSWORD", "platform");
    }

    /**
     * A JDBC URL for {@code database}, dropped and created afresh the first time this JVM asks for it, so every
     * test run starts from an empty, freshly migrated schema.
     */
    public synchronized String jdbcUrl(String database) {
        if (!DATABASE_NAME.matcher(database).matches()) {
            throw new IllegalArgumentException("Not a plain database name: " + database);
        }
        String server = "jdbc:postgresql://" + postgresHost() + ":" + postgresPort() + "/";
        if (databasesCreatedThisRun.add(database)) {
            requireReachable("PostgreSQL", postgresHost(), postgresPort());
            try (Connection admin = DriverManager.getConnection(server + "postgres", dbUser(), dbPassword());
                 Statement sql = admin.createStatement()) {
                sql.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
                sql.execute("CREATE DATABASE " + database);
            } catch (SQLException e) {
                throw new IllegalStateException("Cannot create test database " + database + " on " + server
                        + " as " + dbUser() + ": " + e.getMessage(), e);
            }
        }
        return server + database;
    }

    public void registerPostgres(DynamicPropertyRegistry registry, String database) {
        registry.add("spring.datasource.url", () -> jdbcUrl(database));
        registry.add("spring.datasource.username", this::dbUser);
        registry.add("spring.datasource.password", this::dbPassword);
    }

    // ---- Redis -----------------------------------------------------------------------------------------------

    public synchronized String redisUrl() {
        if (mode == Mode.CONTAINERS) {
            return "redis://" + redis().getHost() + ":" + redis().getMappedPort(6379);
        }
        String url = setting("PLATFORM_REDIS_URL", "redis://127.0.0.1:16379");
        URI uri = URI.create(url);
        requireReachable("Redis", uri.getHost(), uri.getPort());
        return url;
    }

    public void registerRedis(DynamicPropertyRegistry registry) {
        registry.add("spring.data.redis.url", this::redisUrl);
    }

    // ---- Kafka -----------------------------------------------------------------------------------------------

    public synchronized String kafkaBootstrapServers() {
        if (mode == Mode.CONTAINERS) {
            return kafka().getBootstrapServers();
        }
        String servers = setting("PLATFORM_KAFKA_BOOTSTRAP", "127.0.0.1:19092");
        String first = servers.split(",")[0].strip();
        int colon = first.lastIndexOf(':');
        requireReachable("Kafka", first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)));
        return servers;
    }

    public void registerKafka(DynamicPropertyRegistry registry) {
        registry.add("spring.kafka.bootstrap-servers", this::kafkaBootstrapServers);
    }

    /**
     * Makes Kafka stop answering, as a broker that hangs or a network partition would: connections stay open,
     * requests time out. For outage tests; {@link #resumeKafka()} undoes it. Works on the broker
     * {@code scripts/platform} runs (SIGSTOP to its pid) and on the Testcontainers one ({@code docker pause}); an
     * external broker cannot be paused, and the test says so.
     */
    public synchronized void pauseKafka() {
        kafkaBootstrapServers();
        if (mode == Mode.CONTAINERS) {
            DockerClientFactory.instance().client().pauseContainerCmd(kafka().getContainerId()).exec();
        } else {
            signal(localKafka(), "STOP");
        }
    }

    public synchronized void resumeKafka() {
        if (mode == Mode.CONTAINERS) {
            DockerClientFactory.instance().client().unpauseContainerCmd(kafka().getContainerId()).exec();
        } else {
            signal(localKafka(), "CONT");
        }
    }

    /** The Kafka broker process scripts/platform started, found through its pid file in the state directory. */
    private static ProcessHandle localKafka() {
        java.nio.file.Path stateDir = System.getenv("PLATFORM_STATE_DIR") != null
                ? java.nio.file.Path.of(System.getenv("PLATFORM_STATE_DIR")) : repositoryRoot().resolve(".platform");
        java.nio.file.Path pidFile = stateDir.resolve("pids/kafka.pid");
        try {
            long pid = Long.parseLong(java.nio.file.Files.readString(pidFile).trim());
            ProcessHandle broker = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).orElseThrow();
            if (!broker.info().commandLine().orElse("").contains("kafka")) {
                throw new IllegalStateException("pid " + pid + " is not a Kafka broker");
            }
            return broker;
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalStateException("This test pauses Kafka to simulate an outage, so it needs the broker "
                    + "scripts/platform starts (its pid file " + pidFile + ") or Testcontainers; an external "
                    + "PLATFORM_KAFKA_BOOTSTRAP broker cannot be paused (" + e.getMessage() + ")", e);
        }
    }

    private static java.nio.file.Path repositoryRoot() {
        java.nio.file.Path dir = java.nio.file.Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !java.nio.file.Files.isRegularFile(dir.resolve("scripts/platform"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("not inside the repository (no scripts/platform above "
                    + System.getProperty("user.dir") + ")");
        }
        return dir;
    }

    private static void signal(ProcessHandle process, String signal) {
        try {
            int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start()
                    .waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " exited with " + exit);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- containers, started lazily --------------------------------------------------------------------------

    private PostgreSQLContainer postgres() {
        return postgresContainer = startOnce(postgresContainer, image -> new PostgreSQLContainer(
                DockerImageName.parse(image).asCompatibleSubstituteFor("postgres")), PGVECTOR_IMAGE);
    }

    private GenericContainer<?> redis() {
        return redisContainer = startOnce(redisContainer,
                image -> new GenericContainer<>(DockerImageName.parse(image)).withExposedPorts(6379), REDIS_IMAGE);
    }

    private KafkaContainer kafka() {
        return kafkaContainer = startOnce(kafkaContainer, KafkaContainer::new, KAFKA_IMAGE);
    }

    private static <C extends GenericContainer<?>> C startOnce(C existing, Function<String, C> create, String image) {
        if (existing != null) {
            return existing;
        }
        C container = create.apply(image);
        container.start();
        return container;
    }

    private static void requireReachable(String what, String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 2_000);
        } catch (Exception e) {
            throw new IllegalStateException(what + " is not reachable at " + host + ":" + port + " (" + e.getMessage()
                    + "). Run the tests with `scripts/platform test`, or start the servers first with"
                    + " `scripts/platform infra up`, or set PLATFORM_TEST_INFRA=containers where Docker runs.", e);
        }
    }

    private static String setting(String name, String fallback) {
        String value = System.getProperty(name, System.getenv(name));
        return value == null || value.isBlank() ? fallback : value;
    }
}
