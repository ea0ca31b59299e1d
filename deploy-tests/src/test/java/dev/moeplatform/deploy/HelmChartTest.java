package dev.moeplatform.deploy;

import static dev.moeplatform.deploy.Manifests.annotations;
import static dev.moeplatform.deploy.Manifests.at;
import static dev.moeplatform.deploy.Manifests.container;
import static dev.moeplatform.deploy.Manifests.containers;
import static dev.moeplatform.deploy.Manifests.labels;
import static dev.moeplatform.deploy.Manifests.list;
import static dev.moeplatform.deploy.Manifests.map;
import static dev.moeplatform.deploy.Manifests.name;
import static dev.moeplatform.deploy.Manifests.podSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.moeplatform.deploy.Manifests.Env;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart in helm/, rendered by the real Helm library (helm lint, helm template) for its default values,
 * for values-production.yaml and with the in-cluster infrastructure on, and checked object by object: probes,
 * resources and security contexts, what is reachable from outside, the variables each service's code reads, the
 * wiring between the services and to PostgreSQL, Redis, Kafka and vLLM, autoscalers, disruption budgets,
 * observability objects, and that the values schema rejects bad values with a message naming them.
 */
class HelmChartTest {

    private static final Path ROOT = Path.of(System.getProperty("platform.root", "..")).toAbsolutePath().normalize();
    private static final Path CHART = ROOT.resolve("helm");
    private static final String RELEASE = "moe";
    private static final String NAMESPACE = "ai";
    private static final List<String> SERVICES = List.of("gateway", "inference", "rag", "billing");
    private static final Map<String, String> MODULES = Map.of("gateway", "gateway-service",
            "inference", "inference-service", "rag", "rag-service", "billing", "billing-service");
    private static final Map<String, Integer> HEAP_PERCENT = Map.of("gateway", 75, "inference", 40, "rag", 75,
            "billing", 75);
    /** Who calls whom (the services' READMEs): each service admits exactly these callers. */
    private static final Map<String, Set<String>> CALLERS = Map.of("gateway", Set.of("rag"),
            "inference", Set.of("gateway", "billing"), "rag", Set.of("gateway"), "billing", Set.of("gateway"));
    private static final Set<String> INFRASTRUCTURE = Set.of("postgresql", "redis", "kafka");
    /** networkPolicy.metrics of values.yaml (no example changes it): Prometheus pods of the monitoring namespace. */
    private static final Map<String, Object> METRICS_PEER = Map.of(
            "namespaceSelector", Map.of("matchLabels", Map.of("kubernetes.io/metadata.name", "monitoring")),
            "podSelector", Map.of("matchLabels", Map.of("app.kubernetes.io/name", "prometheus")));
    /** The pod annotation by which the chart documents why a container needs a writable root file system. */
    private static final String WRITABLE_ROOT = "moe-platform/writable-root-filesystem";
    private static final Set<String> SECRET_VARIABLES = Set.of("PLATFORM_DB_USER", "PLATFORM_DB_PASSWORD",
            "PLATFORM_IDENTITY_SECRET", "GATEWAY_ADMIN_TOKEN", "PLATFORM_REDIS_URL", "BILLING_ALERT_WEBHOOK_SECRET",
            "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD", "HF_TOKEN");
    private static final Map<String, Set<String>> REQUIRED_VARIABLES = Map.of(
            "gateway", Set.of("GATEWAY_PORT", "PLATFORM_PG_HOST", "PLATFORM_PG_PORT", "GATEWAY_DB_URL",
                    "PLATFORM_DB_USER", "PLATFORM_DB_PASSWORD", "PLATFORM_REDIS_URL", "PLATFORM_KAFKA_BOOTSTRAP",
                    "PLATFORM_IDENTITY_SECRET", "GATEWAY_ADMIN_TOKEN", "INFERENCE_URL", "RAG_URL", "BILLING_URL",
                    "PLATFORM_USAGE_TOPIC", "GATEWAY_MAX_UPLOAD_SIZE", "LOG_FORMAT", "TRACING_SAMPLING_PROBABILITY"),
            "inference", Set.of("INFERENCE_PORT", "PLATFORM_INFERENCE_ENGINE_THREADS",
                    "PLATFORM_INFERENCE_ENGINE_KV_CACHE", "PLATFORM_INFERENCE_SCHEDULER_MAX_RUNNING_SEQUENCES",
                    "PLATFORM_INFERENCE_SCHEDULER_MAX_QUEUED_REQUESTS", "LOG_FORMAT", "TRACING_SAMPLING_PROBABILITY"),
            "rag", Set.of("RAG_PORT", "PLATFORM_PG_HOST", "PLATFORM_PG_PORT", "RAG_DB_URL", "PLATFORM_DB_USER",
                    "PLATFORM_DB_PASSWORD", "PLATFORM_IDENTITY_SECRET", "GATEWAY_URL", "RAG_CHAT_MODEL",
                    "RAG_EMBEDDING_MODEL", "RAG_MAX_DOCUMENT_SIZE", "LOG_FORMAT", "TRACING_SAMPLING_PROBABILITY"),
            "billing", Set.of("BILLING_PORT", "PLATFORM_PG_HOST", "PLATFORM_PG_PORT", "BILLING_DB_URL",
                    "PLATFORM_DB_USER", "PLATFORM_DB_PASSWORD", "PLATFORM_KAFKA_BOOTSTRAP", "PLATFORM_IDENTITY_SECRET",
                    "INFERENCE_URL", "PLATFORM_USAGE_TOPIC", "BILLING_DEFAULT_REFERENCE_MODEL", "LOG_FORMAT",
                    "TRACING_SAMPLING_PROBABILITY"));

    private static FakeKubernetesApi api;
    private static Manifests defaults;
    private static Manifests production;
    private static Manifests evaluation;

    @BeforeAll
    static void renderEachValuesSetOnce() throws IOException {
        String kubeconfig = System.getProperty("deploy.kubeconfig");
        assertThat(kubeconfig)
                .as("run through Maven (./mvnw -pl deploy-tests test): it points KUBECONFIG at the test's stand-in API")
                .isNotBlank();
        assertThat(System.getenv("KUBECONFIG")).as("KUBECONFIG, which Helm's lookup reads").isEqualTo(kubeconfig);
        api = FakeKubernetesApi.start(Path.of(kubeconfig));
        defaults = render("default values", UnaryOperator.identity());
        production = render("values-production.yaml", t -> t.withValuesFile(CHART.resolve("values-production.yaml")));
        evaluation = render("in-cluster infrastructure", HelmChartTest::inCluster);
    }

    @AfterAll
    static void stopApi() {
        if (api != null) {
            api.close();
        }
    }

    static Stream<Arguments> renders() {
        return Stream.of(defaults, production, evaluation).map(m -> Arguments.of(Named.of(m.toString(), m)));
    }

    // ---------------------------------------------------------------------------------------------------- lint

    @Test
    void helmLintPassesInStrictMode() {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertThat(lint.isFailed()).as("helm lint --strict: %s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    // ------------------------------------------------------------------------------------------- workloads

    @ParameterizedTest
    @MethodSource("renders")
    void deploysTheFourServicesEachBehindAService(Manifests m) {
        for (String service : SERVICES) {
            Map<String, Object> deployment = m.get("Deployment", RELEASE + "-" + service);
            assertThat(labels(deployment)).containsEntry(Manifests.COMPONENT, service);
            Map<String, Object> container = container(deployment, service);
            assertThat(container.get("image").toString()).contains("moe-platform/" + MODULES.get(service) + ":");
            Map<String, Object> svc = m.serviceSelecting(deployment);
            assertThat(name(svc)).isEqualTo(RELEASE + "-" + service);
            Map<String, Object> port = map(list(at(svc, "spec", "ports")).getFirst());
            assertThat(port.get("targetPort")).isEqualTo("http");
            assertThat(port.get("port")).isEqualTo(containerPort(container, "http"));
            assertThat(m.env(container).get(service.toUpperCase() + "_PORT").value())
                    .as("%s listens on the port its Service targets", service)
                    .isEqualTo(String.valueOf(containerPort(container, "http")));
        }
    }

    @ParameterizedTest
    @MethodSource("renders")
    void everyContainerHasProbesResourcesAndTheRestrictedSecurityContext(Manifests m) {
        assertThat(m.workloads()).isNotEmpty();
        for (Map<String, Object> workload : m.workloads()) {
            String component = (String) labels(workload).get(Manifests.COMPONENT);
            Map<String, Object> pod = podSpec(workload);
            Map<String, Object> podSecurity = Objects.requireNonNullElse(map(pod.get("securityContext")), Map.of());
            assertThat(pod.get("automountServiceAccountToken")).as("%s mounts no API token", name(workload))
                    .isEqualTo(false);
            for (Map<String, Object> container : containers(workload)) {
                String what = name(workload) + "/" + container.get("name");
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    assertThat(map(container.get(probe))).as("%s has a %s", what, probe).isNotEmpty();
                }
                Map<String, Object> resources = map(container.get("resources"));
                for (String bound : List.of("requests", "limits")) {
                    assertThat(map(at(resources, bound))).as("%s resources.%s", what, bound)
                            .containsKeys("cpu", "memory");
                }
                Map<String, Object> security = Objects.requireNonNullElse(map(container.get("securityContext")),
                        Map.of());
                assertThat(effective(security, podSecurity, "runAsNonRoot")).as("%s runAsNonRoot", what).isEqualTo(true);
                assertThat(effective(security, podSecurity, "runAsUser")).as("%s runs as a non-root uid", what)
                        .isNotNull().isNotEqualTo(0);
                assertThat(security.get("allowPrivilegeEscalation")).as("%s allowPrivilegeEscalation", what)
                        .isEqualTo(false);
                assertThat(list(at(security, "capabilities", "drop"))).as("%s drops all capabilities", what)
                        .contains("ALL");
                assertThat(list(at(security, "capabilities", "add"))).as("%s adds no capability", what).isEmpty();
                assertThat(at(effective(security, podSecurity, "seccompProfile"), "type")).as("%s seccomp", what)
                        .isEqualTo("RuntimeDefault");
                assertThat(security.get("privileged")).as("%s is not privileged", what).isNotEqualTo(true);
                if (!Boolean.TRUE.equals(security.get("readOnlyRootFilesystem"))) {
                    assertThat(component).as("%s: only an infrastructure image may have a writable root", what)
                            .isIn(INFRASTRUCTURE);
                    assertThat((String) annotations(map(at(workload, "spec", "template"))).get(WRITABLE_ROOT))
                            .as("%s documents why its root file system is writable", what).isNotBlank();
                }
            }
            if (SERVICES.contains(component)) {
                checkServicePod(m, component, workload, podSecurity);
            }
        }
    }

    private static void checkServicePod(Manifests m, String service, Map<String, Object> deployment,
            Map<String, Object> podSecurity) {
        Map<String, Object> pod = podSpec(deployment);
        assertThat(podSecurity).containsEntry("runAsUser", 10001).containsEntry("runAsGroup", 10001)
                .containsEntry("fsGroup", 10001);
        assertThat((Integer) pod.get("terminationGracePeriodSeconds")).as("%s grace period", service)
                .isGreaterThanOrEqualTo(30);
        Map<String, Object> container = container(deployment, service);
        assertThat(at(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(at(container, "startupProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(at(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            assertThat(at(container, probe, "httpGet", "port")).isEqualTo("http");
        }
        assertThat(at(container, "securityContext", "readOnlyRootFilesystem")).isEqualTo(true);
        String tmpVolume = list(container.get("volumeMounts")).stream().map(Manifests::map)
                .filter(v -> "/tmp".equals(v.get("mountPath"))).map(v -> (String) v.get("name")).findFirst()
                .orElseThrow(() -> new AssertionError(service + " mounts a writable /tmp"));
        assertThat(list(pod.get("volumes")).stream().map(Manifests::map)
                .filter(v -> tmpVolume.equals(v.get("name"))).findFirst().orElseThrow())
                .containsKey("emptyDir");
        // The image's own entry point, with this service's heap share in JAVA_TOOL_OPTIONS (replacing the image's).
        assertThat(container).doesNotContainKeys("command", "args");
        assertThat(m.env(container).get("JAVA_TOOL_OPTIONS").value())
                .startsWith("-XX:MaxRAMPercentage=" + HEAP_PERCENT.get(service));
        assertThat(annotations(map(at(deployment, "spec", "template"))))
                .as("%s's pods roll when their settings or secrets change", service)
                .containsKeys("checksum/config", "checksum/secret");
    }

    // --------------------------------------------------------------------------------------- exposure

    @ParameterizedTest
    @MethodSource("renders")
    void onlyTheGatewayIsReachableFromOutside(Manifests m) {
        String gatewayService = RELEASE + "-gateway";
        for (Map<String, Object> service : m.ofKind("Service")) {
            String type = Objects.toString(at(service, "spec", "type"), "ClusterIP");
            if (!name(service).equals(gatewayService)) {
                assertThat(type).as("type of Service %s", name(service)).isEqualTo("ClusterIP");
            }
        }
        for (Map<String, Object> ingress : m.ofKind("Ingress")) {
            List<Object> backends = new ArrayList<>();
            if (at(ingress, "spec", "defaultBackend") != null) {
                backends.add(at(ingress, "spec", "defaultBackend"));
            }
            for (Object rule : list(at(ingress, "spec", "rules"))) {
                list(at(rule, "http", "paths")).forEach(p -> backends.add(at(p, "backend")));
            }
            assertThat(backends).isNotEmpty();
            assertThat(backends).allSatisfy(b -> assertThat(at(b, "service", "name")).isEqualTo(gatewayService));
        }
        List<Map<String, Object>> policies = m.ofKind("NetworkPolicy");
        assertThat(policies).as("network policies are on by default and in the examples").isNotEmpty();
        assertThat(policies).as("a default-deny ingress policy for every pod of the release").anySatisfy(p -> {
            assertThat(map(at(p, "spec", "podSelector", "matchLabels"))).containsOnly(
                    Map.entry("app.kubernetes.io/name", "moe-platform"), Map.entry("app.kubernetes.io/instance", RELEASE));
            assertThat(list(at(p, "spec", "policyTypes"))).contains("Ingress");
            assertThat(list(at(p, "spec", "ingress"))).isEmpty();
        });
        for (Map<String, Object> policy : policies) {
            for (Object rule : list(at(policy, "spec", "ingress"))) {
                if (admitsAnySource(map(rule))) {
                    assertThat(at(policy, "spec", "podSelector", "matchLabels", Manifests.COMPONENT))
                            .as("NetworkPolicy %s admits any source: only the gateway may", name(policy))
                            .isEqualTo("gateway");
                }
            }
        }
        for (String service : SERVICES) {
            Map<String, Object> policy = policyOf(m, service);
            assertThat(list(at(policy, "spec", "policyTypes"))).containsExactlyInAnyOrder("Ingress", "Egress");
            Set<String> callers = new TreeSet<>();
            for (Object rule : list(at(policy, "spec", "ingress"))) {
                if (service.equals("gateway") && admitsAnySource(map(rule))) {
                    continue;
                }
                assertThat(list(at(rule, "from"))).as("%s: every other ingress rule names its sources", service)
                        .isNotEmpty();
                for (Object peer : list(at(rule, "from"))) {
                    if (at(peer, "namespaceSelector") != null) {
                        // Only the metrics scraper comes from another namespace (networkPolicy.gateway.from aside).
                        if (!service.equals("gateway")) {
                            assertThat(map(peer)).as("%s: the one peer from another namespace is Prometheus", service)
                                    .isEqualTo(METRICS_PEER);
                        }
                    } else if (at(peer, "podSelector") != null) {
                        Map<String, Object> selector = map(at(peer, "podSelector", "matchLabels"));
                        assertThat(selector).containsEntry("app.kubernetes.io/instance", RELEASE);
                        callers.add((String) selector.get(Manifests.COMPONENT));
                    } else {
                        assertThat(service).as("only the gateway admits address ranges").isEqualTo("gateway");
                    }
                }
            }
            assertThat(callers).as("pods of the release that may call %s", service).isEqualTo(CALLERS.get(service));
            for (Object rule : list(at(policy, "spec", "egress"))) {
                assertThat(list(at(rule, "ports"))).as("%s: every egress rule is limited to ports", service)
                        .isNotEmpty();
            }
        }
    }

    @Test
    void productionAdmitsOnlyTheIngressControllerAndLimitsEgressToTheConfiguredNetworks() {
        Map<String, Object> gateway = policyOf(production, "gateway");
        assertThat(list(at(gateway, "spec", "ingress"))).noneMatch(r -> admitsAnySource(map(r)));
        assertThat(list(at(gateway, "spec", "ingress"))).anySatisfy(r -> assertThat(list(at(r, "from")))
                .contains(Map.of("namespaceSelector", Map.of("matchLabels",
                        Map.of("kubernetes.io/metadata.name", "ingress-nginx")))));
        assertThat(egressTo(gateway, "10.20.0.0/16")).containsExactlyInAnyOrder(5432, 6380);
        assertThat(egressTo(gateway, "10.30.0.0/16")).containsExactly(9093);
        assertThat(egressTo(policyOf(production, "rag"), "10.20.0.0/16")).containsExactly(5432);
        assertThat(egressTo(policyOf(production, "billing"), "0.0.0.0/0")).as("the alert webhook").containsExactly(443);
        assertThat(egressTo(policyOf(production, "inference"), "10.20.0.0/16")).as("inference has no database")
                .isEmpty();
        assertThat(egressToComponent(policyOf(production, "inference"), "vllm")).containsExactly(8000);
        Map<String, Object> vllm = production.get("NetworkPolicy", RELEASE + "-vllm");
        assertThat(list(at(vllm, "spec", "ingress"))).allSatisfy(r -> assertThat(list(at(r, "from")))
                .allSatisfy(p -> assertThat(at(p, "podSelector", "matchLabels", Manifests.COMPONENT))
                        .isIn("inference", null)));
    }

    // --------------------------------------------------------------------------------- configuration

    @ParameterizedTest
    @MethodSource("renders")
    void eachServiceGetsTheVariablesItNeedsWithSecretsFromSecrets(Manifests m) {
        for (String service : SERVICES) {
            Map<String, Env> env = env(m, service);
            assertThat(env.keySet()).as("variables of %s", service).containsAll(REQUIRED_VARIABLES.get(service));
            for (Env variable : env.values()) {
                if (SECRET_VARIABLES.contains(variable.name())) {
                    assertThat(variable.fromSecret()).as("%s's %s comes from a Secret", service, variable.name())
                            .isTrue();
                }
            }
            for (Map<String, Object> configMap : m.ofKind("ConfigMap")) {
                assertThat(map(configMap.get("data")).keySet()).as("ConfigMap %s holds no secret", name(configMap))
                        .doesNotContainAnyElementsOf(SECRET_VARIABLES);
            }
        }
        Env identity = env(m, "gateway").get("PLATFORM_IDENTITY_SECRET");
        for (String service : List.of("rag", "billing")) {
            assertThat(env(m, service).get("PLATFORM_IDENTITY_SECRET")).as("%s verifies what the gateway signs", service)
                    .isEqualTo(identity);
        }
        m.secretValue(identity.secretName(), identity.secretKey())
                .ifPresent(secret -> assertThat(secret).as("identity secret").hasSizeGreaterThanOrEqualTo(32));
        assertThat(env(m, "gateway").get("PLATFORM_USAGE_TOPIC").value()).as("the topic billing consumes")
                .isEqualTo(env(m, "billing").get("PLATFORM_USAGE_TOPIC").value());
        for (String service : List.of("gateway", "rag", "billing")) {
            Env user = env(m, service).get("PLATFORM_DB_USER");
            assertThat(env(m, service).get("PLATFORM_DB_PASSWORD").secretName()).isEqualTo(user.secretName());
            assertThat(env(m, service).get(service.toUpperCase() + "_DB_URL").value())
                    .startsWith("jdbc:postgresql://" + env(m, service).get("PLATFORM_PG_HOST").value() + ":"
                            + env(m, service).get("PLATFORM_PG_PORT").value() + "/" + service);
        }
    }

    @ParameterizedTest
    @MethodSource("renders")
    void everyVariableGivenToAServiceIsReadByItsCode(Manifests m) {
        for (String service : SERVICES) {
            CodeContract code = new CodeContract(ROOT, MODULES.get(service));
            Map<String, Env> env = env(m, service);
            String referenced = env.values().stream().map(e -> Objects.toString(e.value(), ""))
                    .collect(Collectors.joining(" "));
            for (String variable : env.keySet()) {
                boolean helper = variable.equals("JAVA_TOOL_OPTIONS") || referenced.contains("$(" + variable + ")");
                assertThat(helper || code.reads(variable)).as("%s reads %s", MODULES.get(service), variable).isTrue();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("renders")
    void servicesReachEachOtherThroughTheRenderedServices(Manifests m) {
        Map<String, Map<String, String>> urls = Map.of(
                "gateway", Map.of("INFERENCE_URL", "inference", "RAG_URL", "rag", "BILLING_URL", "billing"),
                "rag", Map.of("GATEWAY_URL", "gateway"),
                "billing", Map.of("INFERENCE_URL", "inference"));
        urls.forEach((service, variables) -> variables.forEach((variable, target) -> {
            URI url = URI.create(env(m, service).get(variable).value());
            assertThat(url.getScheme()).isEqualTo("http");
            Map<String, Object> targetService = m.serviceSelecting(m.get("Deployment", RELEASE + "-" + target));
            assertThat(url.getHost()).as("%s's %s", service, variable).isEqualTo(name(targetService));
            assertThat(url.getPort()).as("%s's %s", service, variable)
                    .isEqualTo(at(list(at(targetService, "spec", "ports")).getFirst(), "port"));
        }));
    }

    @Test
    void theInClusterInfrastructureIsRunAndWired() throws IOException {
        Map<String, Object> postgres = evaluation.get("StatefulSet", RELEASE + "-postgresql");
        Map<String, Object> redis = evaluation.get("StatefulSet", RELEASE + "-redis");
        Map<String, Object> kafka = evaluation.get("StatefulSet", RELEASE + "-kafka");
        assertThat(container(postgres, "postgresql").get("image")).isEqualTo("pgvector/pgvector:pg15");
        assertThat(container(redis, "redis").get("image")).isEqualTo("redis:7-alpine");
        assertThat(container(kafka, "kafka").get("image")).isEqualTo("apache/kafka:4.1.2");
        for (Map<String, Object> statefulSet : List.of(postgres, redis, kafka)) {
            assertThat(list(at(statefulSet, "spec", "volumeClaimTemplates"))).as("%s keeps its data", name(statefulSet))
                    .singleElement().satisfies(pvc -> assertThat(at(pvc, "spec", "resources", "requests", "storage"))
                            .isNotNull());
        }
        String pgService = name(evaluation.serviceSelecting(postgres));
        // PostgreSQL: every service's database on it, with the credentials the server was initialised with.
        Map<String, Env> postgresEnv = evaluation.env(container(postgres, "postgresql"));
        for (String service : List.of("gateway", "rag", "billing")) {
            Map<String, Env> env = env(evaluation, service);
            assertThat(env.get("PLATFORM_PG_HOST").value()).isEqualTo(pgService);
            assertThat(env.get(service.toUpperCase() + "_DB_URL").value())
                    .isEqualTo("jdbc:postgresql://" + pgService + ":5432/" + service);
            assertThat(sameSecretKey(env.get("PLATFORM_DB_USER"), postgresEnv.get("POSTGRES_USER"))).isTrue();
            assertThat(sameSecretKey(env.get("PLATFORM_DB_PASSWORD"), postgresEnv.get("POSTGRES_PASSWORD"))).isTrue();
        }
        Env password = postgresEnv.get("POSTGRES_PASSWORD");
        assertThat(evaluation.secretValue(password.secretName(), password.secretKey()).orElseThrow())
                .as("generated PostgreSQL password").hasSizeGreaterThanOrEqualTo(32);
        Map<String, Object> init = evaluation.get("ConfigMap", RELEASE + "-postgresql-init");
        assertThat(map(init.get("data")).get("init.sql").toString().strip())
                .isEqualTo(Files.readString(CHART.resolve("files/postgres-init.sql")).strip());
        assertThat(mountPathOf(postgres, "postgresql", RELEASE + "-postgresql-init"))
                .isEqualTo("/docker-entrypoint-initdb.d");
        // Redis: the gateway's URL names the Service and the password the server requires.
        Env redisUrl = env(evaluation, "gateway").get("PLATFORM_REDIS_URL");
        URI url = URI.create(evaluation.secretValue(redisUrl.secretName(), redisUrl.secretKey()).orElseThrow());
        assertThat(url.getHost()).isEqualTo(name(evaluation.serviceSelecting(redis)));
        assertThat(url.getPort()).isEqualTo(6379);
        Env redisPassword = evaluation.env(container(redis, "redis")).get("REDIS_PASSWORD");
        assertThat(url.getUserInfo()).isEqualTo(":" + evaluation.secretValue(redisPassword.secretName(),
                redisPassword.secretKey()).orElseThrow());
        // Kafka: one KRaft node, advertised under its Service's name.
        String kafkaService = name(evaluation.serviceSelecting(kafka));
        Map<String, Env> kafkaEnv = evaluation.env(container(kafka, "kafka"));
        assertThat(kafkaEnv.get("KAFKA_NODE_ID").value()).isEqualTo("1");
        assertThat(kafkaEnv.get("KAFKA_PROCESS_ROLES").value()).isEqualTo("broker,controller");
        assertThat(kafkaEnv.get("KAFKA_LISTENERS").value()).isEqualTo("PLAINTEXT://:9092,CONTROLLER://:9093");
        assertThat(kafkaEnv.get("KAFKA_ADVERTISED_LISTENERS").value()).isEqualTo("PLAINTEXT://" + kafkaService + ":9092");
        assertThat(kafkaEnv.get("KAFKA_CONTROLLER_QUORUM_VOTERS").value()).isEqualTo("1@localhost:9093");
        assertThat(kafkaEnv.get("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR").value()).isEqualTo("1");
        assertThat(kafkaEnv.get("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR").value()).isEqualTo("1");
        for (String service : List.of("gateway", "billing")) {
            assertThat(env(evaluation, service).get("PLATFORM_KAFKA_BOOTSTRAP").value()).isEqualTo(kafkaService + ":9092");
        }
        // Network policies: each server admits only its clients; the clients may reach it.
        assertThat(admittedComponents(evaluation.get("NetworkPolicy", RELEASE + "-postgresql")))
                .containsExactlyInAnyOrder("gateway", "rag", "billing");
        assertThat(admittedComponents(evaluation.get("NetworkPolicy", RELEASE + "-redis"))).containsExactly("gateway");
        assertThat(admittedComponents(evaluation.get("NetworkPolicy", RELEASE + "-kafka")))
                .containsExactlyInAnyOrder("gateway", "billing");
        assertThat(egressToComponent(policyOf(evaluation, "gateway"), "postgresql")).containsExactly(5432);
        assertThat(egressToComponent(policyOf(evaluation, "gateway"), "redis")).containsExactly(6379);
        assertThat(egressToComponent(policyOf(evaluation, "billing"), "kafka")).containsExactly(9092);
        assertThat(egressToComponent(policyOf(evaluation, "rag"), "postgresql")).containsExactly(5432);
        assertThat(defaults.ofKind("StatefulSet")).as("external servers by default").isEmpty();
    }

    @Test
    void productionTakesExternalServersAndCredentialsFromExistingSecrets() {
        assertThat(production.ofKind("Secret")).as("every credential comes from an existing Secret").isEmpty();
        Map<String, Env> gateway = env(production, "gateway");
        assertThat(gateway.get("PLATFORM_IDENTITY_SECRET")).isEqualTo(
                new Env("PLATFORM_IDENTITY_SECRET", null, "moe-platform-auth", "identity-secret"));
        assertThat(gateway.get("GATEWAY_ADMIN_TOKEN").secretName()).isEqualTo("moe-platform-auth");
        assertThat(gateway.get("PLATFORM_DB_PASSWORD")).isEqualTo(
                new Env("PLATFORM_DB_PASSWORD", null, "moe-platform-db", "password"));
        assertThat(gateway.get("PLATFORM_REDIS_URL")).isEqualTo(
                new Env("PLATFORM_REDIS_URL", null, "moe-platform-redis", "url"));
        assertThat(gateway.get("GATEWAY_DB_URL").value())
                .isEqualTo("jdbc:postgresql://postgres.db.internal:5432/gateway?sslmode=require");
        assertThat(env(production, "billing").get("BILLING_ALERT_WEBHOOK_SECRET")).isEqualTo(
                new Env("BILLING_ALERT_WEBHOOK_SECRET", null, "moe-platform-alerts", "webhook-secret"));
        for (String service : List.of("gateway", "billing")) {
            Map<String, Env> env = env(production, service);
            List<String> order = new ArrayList<>(env.keySet());
            assertThat(env.get("SPRING_KAFKA_PROPERTIES_SECURITY_PROTOCOL").value()).isEqualTo("SASL_SSL");
            assertThat(env.get("SPRING_KAFKA_PROPERTIES_SASL_MECHANISM").value()).isEqualTo("SCRAM-SHA-512");
            assertThat(env.get("KAFKA_SASL_USERNAME")).isEqualTo(
                    new Env("KAFKA_SASL_USERNAME", null, "moe-platform-kafka", "username"));
            assertThat(env.get("KAFKA_SASL_PASSWORD").secretName()).isEqualTo("moe-platform-kafka");
            assertThat(env.get("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG").value()).isEqualTo(
                    "org.apache.kafka.common.security.scram.ScramLoginModule required"
                            + " username=\"$(KAFKA_SASL_USERNAME)\" password=\"$(KAFKA_SASL_PASSWORD)\";");
            assertThat(order.indexOf("KAFKA_SASL_PASSWORD")).as("$(VAR) expands only variables defined before it")
                    .isLessThan(order.indexOf("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG"));
            assertThat(order.indexOf("KAFKA_SASL_USERNAME"))
                    .isLessThan(order.indexOf("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG"));
        }
        Map<String, Object> ingress = production.get("Ingress", RELEASE + "-gateway");
        assertThat(list(at(ingress, "spec", "tls"))).singleElement()
                .satisfies(tls -> assertThat(list(at(tls, "hosts"))).containsExactly("ai.example.com"));
    }

    @Test
    void inferenceServesTheModelListWithTheReleasesVllmAsFallback() {
        Map<String, Object> inference = production.get("Deployment", RELEASE + "-inference");
        Map<String, Env> env = env(production, "inference");
        assertThat(env.get("PLATFORM_INFERENCE_MODELS_0_ID").value()).isEqualTo("qwen-moe");
        assertThat(env.get("PLATFORM_INFERENCE_MODELS_0_BACKENDS").value()).isEqualTo("native,vllm");
        assertThat(env.get("PLATFORM_INFERENCE_MODELS_0_GGUF").value()).startsWith("/models/");
        assertThat(env.get("PLATFORM_INFERENCE_MODELS_0_CONTEXT_LENGTH").value()).isEqualTo("8192");
        Map<String, Object> vllm = production.get("Deployment", RELEASE + "-vllm");
        Map<String, Object> vllmService = production.serviceSelecting(vllm);
        int vllmPort = (Integer) at(list(at(vllmService, "spec", "ports")).getFirst(), "port");
        assertThat(env.get("PLATFORM_INFERENCE_VLLM_BASE_URL").value())
                .isEqualTo("http://" + name(vllmService) + ":" + vllmPort + "/v1");
        Map<String, Object> server = container(vllm, "vllm");
        assertThat(containerPort(server, "http")).isEqualTo(8000);
        List<Object> args = list(server.get("args"));
        assertThat(args.get(args.indexOf("--served-model-name") + 1))
                .as("vLLM serves the model under the name inference-service asks for")
                .isEqualTo(env.get("PLATFORM_INFERENCE_MODELS_0_VLLM_MODEL").value());
        assertThat(at(server, "resources", "limits", "nvidia.com/gpu")).isEqualTo(1);
        assertThat(at(server, "resources", "requests", "nvidia.com/gpu")).isEqualTo(1);
        assertThat(at(server, "readinessProbe", "httpGet", "path")).isEqualTo("/health");
        Map<String, Env> vllmEnv = production.env(server);
        for (String writable : List.of("HOME", "HF_HOME")) {
            String path = vllmEnv.get(writable).value();
            assertThat(list(server.get("volumeMounts"))).as("vLLM's %s is on a writable volume", writable)
                    .anySatisfy(v -> assertThat(path).startsWith((String) at(v, "mountPath")));
        }
        assertThat(vllmEnv.get("HF_TOKEN")).isEqualTo(new Env("HF_TOKEN", null, "huggingface", "token"));
        assertThat(map(podSpec(vllm).get("nodeSelector"))).containsEntry("nvidia.com/gpu.present", "true");
        // inference: the models' volume read-only at /models, on accelerator nodes.
        Map<String, Object> models = list(podSpec(inference).get("volumes")).stream().map(Manifests::map)
                .filter(v -> "models".equals(v.get("name"))).findFirst().orElseThrow();
        assertThat(at(models, "persistentVolumeClaim", "claimName")).isEqualTo("moe-models");
        Map<String, Object> mount = list(container(inference, "inference").get("volumeMounts")).stream()
                .map(Manifests::map).filter(v -> "models".equals(v.get("name"))).findFirst().orElseThrow();
        assertThat(mount).containsEntry("mountPath", "/models").containsEntry("readOnly", true);
        assertThat(map(podSpec(inference).get("nodeSelector"))).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(list(podSpec(inference).get("tolerations"))).anySatisfy(t -> assertThat(at(t, "key"))
                .isEqualTo("nvidia.com/gpu"));
        assertThat(at(inference, "spec", "replicas")).isEqualTo(2);
        // Without vLLM (default values) inference has no vLLM server and the bundled model.
        Map<String, Env> plain = env(defaults, "inference");
        assertThat(plain.keySet()).noneMatch(k -> k.startsWith("PLATFORM_INFERENCE_MODELS_"))
                .doesNotContain("PLATFORM_INFERENCE_VLLM_BASE_URL");
        assertThat(defaults.find("Deployment", RELEASE + "-vllm")).isEmpty();
    }

    @Test
    void anImageModelVolumeMountsTheImageReadOnly() {
        Manifests m = render("image volume", t -> t.set("inference.modelVolume.type", "image")
                .set("inference.modelVolume.image.reference", "registry.example.com/models/qwen:1"));
        Map<String, Object> inference = m.get("Deployment", RELEASE + "-inference");
        assertThat(list(podSpec(inference).get("volumes"))).anySatisfy(v -> {
            assertThat(at(v, "name")).isEqualTo("models");
            assertThat(at(v, "image", "reference")).isEqualTo("registry.example.com/models/qwen:1");
        });
        assertThat(mountPathOf(inference, "inference", null)).isEqualTo("/models");
    }

    // ------------------------------------------------------------------------------ scaling, disruption

    @ParameterizedTest
    @MethodSource("renders")
    void everyServiceHasADisruptionBudgetAndOnlyCpuBoundServicesAutoscale(Manifests m) {
        for (String service : SERVICES) {
            Map<String, Object> deployment = m.get("Deployment", RELEASE + "-" + service);
            Map<String, Object> podLabels = labels(map(at(deployment, "spec", "template")));
            assertThat(m.ofKind("PodDisruptionBudget")).as("PodDisruptionBudget of %s", service)
                    .anySatisfy(pdb -> {
                        assertThat(podLabels.entrySet())
                                .containsAll(map(at(pdb, "spec", "selector", "matchLabels")).entrySet());
                        assertThat(at(pdb, "spec", "maxUnavailable")).isEqualTo(1);
                    });
        }
        for (Map<String, Object> hpa : m.ofKind("HorizontalPodAutoscaler")) {
            assertThat(hpa.get("apiVersion")).isEqualTo("autoscaling/v2");
            assertThat(at(hpa, "spec", "scaleTargetRef", "name")).as("inference scales with accelerators, not CPU")
                    .isNotEqualTo(RELEASE + "-inference");
            Map<String, Object> target = m.get("Deployment", (String) at(hpa, "spec", "scaleTargetRef", "name"));
            assertThat(at(target, "spec", "replicas")).as("the autoscaler owns %s's replicas", name(target)).isNull();
            assertThat(list(at(hpa, "spec", "metrics"))).singleElement()
                    .satisfies(metric -> assertThat(at(metric, "resource", "name")).isEqualTo("cpu"));
            assertThat((Integer) at(hpa, "spec", "minReplicas"))
                    .isLessThanOrEqualTo((Integer) at(hpa, "spec", "maxReplicas"));
        }
    }

    @Test
    void productionAutoscalesGatewayRagAndBilling() {
        assertThat(production.ofKind("HorizontalPodAutoscaler").stream()
                .map(h -> (String) at(h, "spec", "scaleTargetRef", "name")))
                .containsExactlyInAnyOrder(RELEASE + "-gateway", RELEASE + "-rag", RELEASE + "-billing");
        assertThat(production.ofKind("HorizontalPodAutoscaler"))
                .allSatisfy(h -> assertThat((Integer) at(h, "spec", "minReplicas")).isGreaterThan(1));
        assertThat(defaults.ofKind("HorizontalPodAutoscaler")).as("autoscaling is opt-in").isEmpty();
    }

    // ------------------------------------------------------------------------------------ observability

    @Test
    void productionHasAServiceMonitorAndThePlatformsAlertRules() throws IOException {
        Map<String, Object> monitor = production.get("ServiceMonitor", RELEASE);
        for (String service : SERVICES) {
            Map<String, Object> svc = production.get("Service", RELEASE + "-" + service);
            assertThat(selects(map(at(monitor, "spec", "selector")), labels(svc)))
                    .as("the ServiceMonitor selects %s", name(svc)).isTrue();
        }
        assertThat(production.ofKind("Service").stream()
                .filter(s -> selects(map(at(monitor, "spec", "selector")), labels(s))).count()).isEqualTo(4);
        assertThat(list(at(monitor, "spec", "endpoints"))).singleElement().satisfies(e -> {
            assertThat(at(e, "path")).isEqualTo("/actuator/prometheus");
            assertThat(at(e, "port")).isEqualTo("http");
        });
        Map<String, Object> alerts = new Yaml().load(Files.readString(CHART.resolve("alerts/platform-alerts.yaml")));
        Map<String, Object> rule = production.get("PrometheusRule", RELEASE);
        assertThat(list(at(rule, "spec", "groups"))).isNotEmpty().isEqualTo(alerts.get("groups"));
        assertThat(defaults.ofKind("ServiceMonitor")).isEmpty();
        assertThat(defaults.ofKind("PrometheusRule")).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("renders")
    void everyDashboardIsAConfigMapForGrafanasSidecar(Manifests m) throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(CHART.resolve("dashboards"))) {
            files = listing.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        List<Map<String, Object>> dashboards = m.ofKind("ConfigMap").stream()
                .filter(c -> "1".equals(labels(c).get("grafana_dashboard"))).toList();
        assertThat(dashboards).hasSameSizeAs(files);
        for (Path file : files) {
            String key = file.getFileName().toString();
            assertThat(dashboards).as("a ConfigMap with %s", key).anySatisfy(c -> assertThat(
                    Objects.toString(map(c.get("data")).get(key), "").strip())
                    .isEqualTo(Files.readString(file).strip()));
        }
        if (m == production) {
            assertThat(dashboards).allSatisfy(c -> assertThat(annotations(c)).containsEntry("grafana_folder", "AI platform"));
        }
    }

    // ------------------------------------------------------------------------------- labels, rollouts

    @ParameterizedTest
    @MethodSource("renders")
    void everyObjectCarriesTheRecommendedLabels(Manifests m) throws IOException {
        Map<String, Object> chart = new Yaml().load(Files.readString(CHART.resolve("Chart.yaml")));
        Map<String, Object> expected = Map.of("app.kubernetes.io/name", "moe-platform",
                "app.kubernetes.io/instance", RELEASE, "app.kubernetes.io/part-of", "moe-platform",
                "app.kubernetes.io/version", chart.get("appVersion"), "app.kubernetes.io/managed-by", "Helm",
                "helm.sh/chart", "moe-platform-" + chart.get("version"));
        for (Map<String, Object> object : m.all()) {
            assertThat(labels(object)).as("labels of %s %s", object.get("kind"), name(object))
                    .containsAllEntriesOf(expected).containsKey(Manifests.COMPONENT);
        }
        for (Map<String, Object> workload : m.workloads()) {
            assertThat(labels(map(at(workload, "spec", "template")))).as("pod labels of %s", name(workload))
                    .containsAllEntriesOf(expected)
                    .containsEntry(Manifests.COMPONENT, labels(workload).get(Manifests.COMPONENT));
        }
    }

    @Test
    void aServicesPodsRollWhenItsConfigurationChanges() {
        Manifests changed = render("another chat model", t -> t.set("rag.chatModel", "qwen-moe"));
        assertThat(checksum(changed, "rag")).isNotEqualTo(checksum(defaults, "rag"));
        for (String service : List.of("gateway", "inference", "billing")) {
            assertThat(checksum(changed, service)).as("%s's config checksum", service)
                    .isEqualTo(checksum(defaults, service));
        }
    }

    // ------------------------------------------------------------------------------------------ secrets

    @Test
    void generatedSecretsAreCreatedOnInstallAndKeptOnUpgrade() {
        assertThat(defaults.secretValue(RELEASE + "-auth", "identity-secret").orElseThrow()).hasSize(48);
        assertThat(defaults.secretValue(RELEASE + "-auth", "admin-token").orElseThrow()).hasSize(40);
        assertThat(api.requests()).as("the chart looks for the Secret of an earlier install")
                .contains("GET /api/v1/namespaces/" + NAMESPACE + "/secrets/" + RELEASE + "-auth");
        String identity = "an-identity-secret-of-an-earlier-release-0123456789";
        api.putSecret(NAMESPACE, "upgraded-auth", Map.of("identity-secret", identity, "admin-token", "earlier-admin-token"));
        api.putSecret(NAMESPACE, "upgraded-postgresql", Map.of("username", "platform", "password", "earlier-db-password"));
        api.putSecret(NAMESPACE, "upgraded-redis", Map.of("password", "earlier-redis-password"));
        Manifests upgraded = render("upgrade", t -> inCluster(t.withName("upgraded")));
        assertThat(upgraded.secretValue("upgraded-auth", "identity-secret")).contains(identity);
        assertThat(upgraded.secretValue("upgraded-auth", "admin-token")).contains("earlier-admin-token");
        assertThat(upgraded.secretValue("upgraded-postgresql", "password")).contains("earlier-db-password");
        assertThat(upgraded.secretValue("upgraded-redis", "url"))
                .contains("redis://:earlier-redis-password@upgraded-redis:6379");
    }

    // ------------------------------------------------------------------------------------------- schema

    static Stream<Arguments> badValues() {
        return Stream.of(
                Arguments.of("a negative replica count", "gateway: {replicas: -1}",
                        List.of("/gateway/replicas", "minimum")),
                Arguments.of("an unknown model volume type", "inference: {modelVolume: {type: nfs}}",
                        List.of("/inference/modelVolume/type", "'none', 'pvc', 'image'")),
                Arguments.of("an unknown top-level key", "replicaCount: 2",
                        List.of("additional properties 'replicaCount' not allowed")),
                Arguments.of("a misspelt key", "gateway: {replica: 2}",
                        List.of("/gateway", "additional properties 'replica' not allowed")),
                Arguments.of("no PostgreSQL host with in-cluster off", "postgresql: {host: \"\"}",
                        List.of("/postgresql/host")),
                Arguments.of("no Kafka with in-cluster off", "kafka: {bootstrapServers: \"\"}",
                        List.of("/kafka/bootstrapServers")),
                Arguments.of("autoscaling for inference", "inference: {autoscaling: {enabled: true}}",
                        List.of("/inference", "additional properties 'autoscaling' not allowed")),
                Arguments.of("a pvc model volume without claim or size", "inference: {modelVolume: {type: pvc}}",
                        List.of("/inference/modelVolume/pvc/existingClaim", "/inference/modelVolume/pvc/size")),
                Arguments.of("an image model volume without reference", "inference: {modelVolume: {type: image}}",
                        List.of("/inference/modelVolume/image/reference")),
                Arguments.of("an unknown backend", "inference: {models: [{id: m, backends: [gpu]}]}",
                        List.of("/inference/models/0/backends/0", "'native', 'vllm'")),
                Arguments.of("a model without backends", "inference: {models: [{id: m}]}",
                        List.of("/inference/models/0", "backends")),
                Arguments.of("a vllm model without any vLLM server",
                        "inference: {models: [{id: m, backends: [vllm]}]}",
                        List.of("inference.models[0] (m) uses the vllm backend")),
                Arguments.of("SASL without credentials", "kafka: {sasl: {enabled: true}}",
                        List.of("/kafka/sasl/username", "/kafka/sasl/password")),
                Arguments.of("a short identity secret", "auth: {identitySecret: short}",
                        List.of("/auth/identitySecret", "minLength")),
                Arguments.of("a grace period under graceful shutdown's", "rag: {terminationGracePeriodSeconds: 10}",
                        List.of("/rag/terminationGracePeriodSeconds", "minimum")),
                Arguments.of("resources without limits", "billing: {resources: {limits: null}}",
                        List.of("/billing/resources", "limits")),
                Arguments.of("a public Service type for an internal service", "rag: {service: {type: LoadBalancer}}",
                        List.of("/rag", "additional properties 'service' not allowed")),
                Arguments.of("an unknown log format", "platform: {logFormat: xml}",
                        List.of("/platform/logFormat")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void badValuesFailWithAMessageNamingTheField(String what, String values, List<String> message,
            @TempDir Path folder) throws IOException {
        Path file = Files.writeString(folder.resolve("values.yaml"), values + "\n");
        assertThatThrownBy(() -> template(UnaryOperator.identity()).withValuesFile(file).call())
                .as(what).satisfies(e -> assertThat(e.getMessage()).contains(message));
    }

    // -------------------------------------------------------------------------------------------- notes

    @Test
    void notesTellHowToReachTheGatewayAndCreateTheFirstKey() {
        String notes = notes(UnaryOperator.identity());
        assertThat(notes).contains(
                "kubectl -n " + NAMESPACE + " port-forward svc/" + RELEASE + "-gateway 8080:8080",
                "kubectl -n " + NAMESPACE + " get secret " + RELEASE
                        + "-auth -o jsonpath='{.data.admin-token}' | base64 -d",
                "curl -s localhost:8080/admin/tenants -H \"$ADMIN\" -H \"$JSON\" -d '{\"id\":\"acme\",\"name\":\"Acme\"}'",
                "curl -s localhost:8080/admin/tenants/acme/teams -H \"$ADMIN\" -H \"$JSON\" -d '{\"id\":\"search\",\"name\":\"Search\"}'",
                "curl -s localhost:8080/admin/keys -H \"$ADMIN\" -H \"$JSON\" -d '{\"tenant\":\"acme\",\"team\":\"search\",\"name\":\"first key\"}'",
                "\"model\":\"synthetic-qwen2moe-tiny\"", "Cost and savings", "grafana_dashboard=1");
        String productionNotes = notes(t -> t.withValuesFile(CHART.resolve("values-production.yaml")));
        assertThat(productionNotes).contains("https://ai.example.com/", "get secret moe-platform-auth",
                "curl -s https://ai.example.com/admin/keys", "\"model\":\"qwen-moe\"")
                .doesNotContain("placeholders");
    }

    // --------------------------------------------------------------------------------------- rendering

    private static TemplateCommand template(UnaryOperator<TemplateCommand> values) {
        return values.apply(new Helm(CHART).template().withName(RELEASE).withNamespace(NAMESPACE));
    }

    private static Manifests render(String label, UnaryOperator<TemplateCommand> values) {
        return Manifests.parse(label, template(values).call());
    }

    private static TemplateCommand inCluster(TemplateCommand template) {
        return template.set("postgresql.inCluster.enabled", true).set("redis.inCluster.enabled", true)
                .set("kafka.inCluster.enabled", true);
    }

    /** NOTES.txt, as helm install shows it (a client-side dry run: no cluster). */
    private static String notes(UnaryOperator<com.marcnuri.helm.InstallCommand> values) {
        return values.apply(new Helm(CHART).install().withName(RELEASE).withNamespace(NAMESPACE).dryRun()
                .withDryRunOption(DryRun.CLIENT).clientOnly()).call().getOutput();
    }

    // ---------------------------------------------------------------------------------------- helpers

    private static Map<String, Env> env(Manifests m, String service) {
        return m.env(container(m.get("Deployment", RELEASE + "-" + service), service));
    }

    private static Object checksum(Manifests m, String service) {
        return annotations(map(at(m.get("Deployment", RELEASE + "-" + service), "spec", "template")))
                .get("checksum/config");
    }

    private static Object effective(Map<String, Object> container, Map<String, Object> pod, String key) {
        return container.containsKey(key) ? container.get(key) : pod.get(key);
    }

    private static Object containerPort(Map<String, Object> container, String name) {
        return list(container.get("ports")).stream().map(Manifests::map).filter(p -> name.equals(p.get("name")))
                .map(p -> p.get("containerPort")).findFirst()
                .orElseThrow(() -> new AssertionError("no port " + name + " on " + container.get("name")));
    }

    private static Map<String, Object> policyOf(Manifests m, String component) {
        return m.ofKind("NetworkPolicy").stream()
                .filter(p -> component.equals(at(p, "spec", "podSelector", "matchLabels", Manifests.COMPONENT)))
                .findFirst().orElseThrow(() -> new AssertionError("no NetworkPolicy for " + component + " in " + m));
    }

    /** An ingress rule that lets anything in: no sources, or a peer matching every address or every pod. */
    private static boolean admitsAnySource(Map<String, Object> rule) {
        List<Object> from = list(rule.get("from"));
        if (from.isEmpty()) {
            return true;
        }
        return from.stream().map(Manifests::map).anyMatch(peer -> {
            Object cidr = at(peer, "ipBlock", "cidr");
            if ("0.0.0.0/0".equals(cidr) || "::/0".equals(cidr)) {
                return true;
            }
            Map<String, Object> namespaces = map(peer.get("namespaceSelector"));
            Map<String, Object> pods = map(peer.get("podSelector"));
            return namespaces != null && namespaces.isEmpty() && (pods == null || pods.isEmpty());
        });
    }

    private static Set<Integer> egressTo(Map<String, Object> policy, String cidr) {
        Set<Integer> ports = new TreeSet<>();
        for (Object rule : list(at(policy, "spec", "egress"))) {
            if (list(at(rule, "to")).stream().anyMatch(p -> cidr.equals(at(p, "ipBlock", "cidr")))) {
                list(at(rule, "ports")).forEach(p -> ports.add((Integer) at(p, "port")));
            }
        }
        return ports;
    }

    private static Set<Integer> egressToComponent(Map<String, Object> policy, String component) {
        Set<Integer> ports = new TreeSet<>();
        for (Object rule : list(at(policy, "spec", "egress"))) {
            if (list(at(rule, "to")).stream()
                    .anyMatch(p -> component.equals(at(p, "podSelector", "matchLabels", Manifests.COMPONENT)))) {
                list(at(rule, "ports")).forEach(p -> ports.add((Integer) at(p, "port")));
            }
        }
        return ports;
    }

    private static List<String> admittedComponents(Map<String, Object> policy) {
        return list(at(policy, "spec", "ingress")).stream().flatMap(r -> list(at(r, "from")).stream())
                .map(p -> (String) at(p, "podSelector", "matchLabels", Manifests.COMPONENT)).filter(Objects::nonNull)
                .toList();
    }

    private static boolean sameSecretKey(Env a, Env b) {
        return a.fromSecret() && a.secretName().equals(b.secretName()) && a.secretKey().equals(b.secretKey());
    }

    /** The mount path of a volume (by its ConfigMap name, or the volume named "models" when null). */
    private static String mountPathOf(Map<String, Object> workload, String container, String configMap) {
        String volume = configMap == null ? "models" : list(podSpec(workload).get("volumes")).stream()
                .map(Manifests::map).filter(v -> configMap.equals(at(v, "configMap", "name")))
                .map(v -> (String) v.get("name")).findFirst().orElseThrow();
        return list(container(workload, container).get("volumeMounts")).stream().map(Manifests::map)
                .filter(v -> volume.equals(v.get("name"))).map(v -> (String) v.get("mountPath")).findFirst()
                .orElseThrow();
    }

    /** A label selector (matchLabels, matchExpressions with In) against labels. */
    private static boolean selects(Map<String, Object> selector, Map<String, Object> labels) {
        Map<String, Object> matchLabels = Objects.requireNonNullElse(map(selector.get("matchLabels")), Map.of());
        if (!labels.entrySet().containsAll(matchLabels.entrySet())) {
            return false;
        }
        for (Object expression : list(selector.get("matchExpressions"))) {
            Map<String, Object> e = map(expression);
            assertThat(e.get("operator")).isEqualTo("In");
            if (!list(e.get("values")).contains(labels.get(e.get("key")))) {
                return false;
            }
        }
        return true;
    }
}
