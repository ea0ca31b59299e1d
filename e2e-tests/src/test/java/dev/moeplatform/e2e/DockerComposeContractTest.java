package dev.moeplatform.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml cannot be run without a Docker engine, so this test keeps it honest instead: every service,
 * port and environment variable it names must exist in the code it builds.
 */
class DockerComposeContractTest {

    private static final Path ROOT = Path.of(System.getProperty("platform.root", "..")).toAbsolutePath().normalize();
    private static final Pattern PORT_DEFAULT = Pattern.compile("port: \\$\\{([A-Z_]+_PORT):(\\d+)}");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");
    private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

    private final Map<String, Object> compose = load(ROOT.resolve("docker-compose.yml"));

    @Test
    void buildsExactlyTheReactorsServiceModulesWithAnExistingDockerfile() throws IOException {
        Set<String> built = new TreeSet<>();
        for (Map<String, Object> service : services().values()) {
            Map<String, Object> build = map(service.get("build"));
            if (build != null) {
                assertThat(ROOT.resolve((String) build.get("dockerfile"))).isRegularFile();
                built.add((String) map(build.get("args")).get("SERVICE"));
            }
        }
        assertThat(built).isEqualTo(serviceModules());
    }

    @Test
    void portsMatchEachServicesConfiguredPort() {
        forEachBuiltService((name, service, module) -> {
            Matcher port = PORT_DEFAULT.matcher(applicationYaml(module));
            assertThat(port.find()).as("%s declares server.port as ${X_PORT:default}", module).isTrue();
            String containerPort = port.group(2);
            assertThat(map(map(service.get("build")).get("args")).get("PORT")).as(name).isEqualTo(containerPort);
            assertThat(environment(service).get(port.group(1))).as(name).isEqualTo(containerPort);
            for (Object mapping : list(service.get("ports"))) {
                assertThat(mapping.toString()).as(name).endsWith(":" + containerPort);
            }
        });
    }

    @Test
    void everyVariableGivenToAServiceIsReadByIt() throws IOException {
        String defaults = Files.readString(
                ROOT.resolve("platform-web/src/main/resources/platform-defaults.yaml"));
        forEachBuiltService((name, service, module) -> {
            Set<String> read = placeholders(applicationYaml(module) + defaults);
            Set<String> given = new TreeSet<>(environment(service).keySet());
            given.removeAll(JVM_VARIABLES);
            assertThat(read).as("variables %s reads", module).containsAll(given);
        });
    }

    @Test
    void serviceUrlsAndHostsNameServicesOfThisFile() {
        Map<String, String> portByService = new java.util.HashMap<>();
        forEachBuiltService((name, service, module) -> {
            Matcher port = PORT_DEFAULT.matcher(applicationYaml(module));
            port.find();
            portByService.put(name, port.group(2));
        });
        forEachBuiltService((name, service, module) -> environment(service).forEach((key, value) -> {
            if (key.endsWith("_URL") && value.startsWith("http")) {
                URI uri = URI.create(value);
                assertThat(portByService).as("%s of %s", key, name).containsEntry(uri.getHost(),
                        String.valueOf(uri.getPort()));
            }
            if (key.equals("PLATFORM_PG_HOST")) {
                assertThat(services()).containsKey(value);
            }
        }));
        String prometheus = read(ROOT.resolve("deploy/prometheus/prometheus.yml"));
        portByService.forEach((name, port) -> assertThat(prometheus).contains("\"" + name + ":" + port + "\""));
    }

    @Test
    void infrastructureIsTheSameStackScriptsPlatformStarts() {
        assertThat(services()).containsKeys("postgres", "redis", "kafka", "prometheus", "grafana");
        assertThat((String) services().get("postgres").get("image")).startsWith("pgvector/pgvector:pg15");
        assertThat((String) services().get("kafka").get("image")).startsWith("apache/kafka:4.1");
    }

    @Test
    void prometheusAndGrafanaGetTheChartsRulesAndDashboards() {
        assertThat(list(services().get("prometheus").get("volumes"))).map(Object::toString)
                .contains("./helm/alerts:/etc/prometheus/rules:ro");
        assertThat(read(ROOT.resolve("deploy/prometheus/prometheus.yml"))).contains("- /etc/prometheus/rules/*.yaml");
        assertThat(ROOT.resolve("helm/alerts/platform-alerts.yaml")).isRegularFile();

        String dashboards = list(services().get("grafana").get("volumes")).stream().map(Object::toString)
                .filter(v -> v.startsWith("./helm/dashboards:")).findFirst()
                .orElseThrow(() -> new AssertionError("grafana does not mount ./helm/dashboards"));
        String mountedAt = dashboards.split(":")[1];
        assertThat(read(ROOT.resolve("deploy/grafana/provisioning/dashboards/platform.yml")))
                .contains("path: " + mountedAt);
        assertThat(ROOT.resolve("helm/dashboards/cost-and-savings.json")).isRegularFile();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private interface ServiceCheck {
        void check(String name, Map<String, Object> service, String module);
    }

    private void forEachBuiltService(ServiceCheck check) {
        services().forEach((name, service) -> {
            Map<String, Object> build = map(service.get("build"));
            if (build != null) {
                check.check(name, service, (String) map(build.get("args")).get("SERVICE"));
            }
        });
    }

    @SuppressWarnings("unchecked")
    private Map<String, Map<String, Object>> services() {
        return (Map<String, Map<String, Object>>) compose.get("services");
    }

    private static Set<String> serviceModules() throws IOException {
        try (Stream<Path> entries = Files.list(ROOT)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith("-service") && Files.isRegularFile(ROOT.resolve(n).resolve("pom.xml")))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> env = new java.util.TreeMap<>();
        Map<String, Object> declared = map(service.get("environment"));
        if (declared != null) {
            declared.forEach((k, v) -> env.put(k, String.valueOf(v)));
        }
        return env;
    }

    private static Set<String> placeholders(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static String applicationYaml(String module) {
        return read(ROOT.resolve(module).resolve("src/main/resources/application.yaml"));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new AssertionError("Cannot read " + file, e);
        }
    }

    private static Map<String, Object> load(Path file) {
        return new Yaml().load(read(file));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    private static List<Object> list(Object value) {
        return value == null ? List.of() : new ArrayList<>((List<?>) value);
    }
}
