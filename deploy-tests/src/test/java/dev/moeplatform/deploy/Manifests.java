package dev.moeplatform.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** The objects of one {@code helm template} output, with the look-ups the chart's tests need. */
final class Manifests {

    static final String COMPONENT = "app.kubernetes.io/component";

    /** A container's environment variable: a plain value, or a reference to a Secret's key. */
    record Env(String name, String value, String secretName, String secretKey) {
        boolean fromSecret() {
            return secretName != null;
        }
    }

    private final String label;
    private final List<Map<String, Object>> objects;

    private Manifests(String label, List<Map<String, Object>> objects) {
        this.label = label;
        this.objects = objects;
    }

    static Manifests parse(String label, String yaml) {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object document : new Yaml(new LoaderOptions()).loadAll(yaml)) {
            if (document != null) {
                objects.add(map(document));
            }
        }
        assertThat(objects).as("objects rendered for %s", label).isNotEmpty();
        return new Manifests(label, objects);
    }

    @Override
    public String toString() {
        return label;
    }

    List<Map<String, Object>> all() {
        return objects;
    }

    List<Map<String, Object>> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    Optional<Map<String, Object>> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(name(o))).findFirst();
    }

    Map<String, Object> get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError(
                "%s: no %s named %s among %s".formatted(label, kind, name, ofKind(kind).stream().map(Manifests::name).toList())));
    }

    /** The one object of a kind whose component label is {@code component}. */
    Optional<Map<String, Object>> findComponent(String kind, String component) {
        List<Map<String, Object>> found = ofKind(kind).stream()
                .filter(o -> component.equals(labels(o).get(COMPONENT))).toList();
        assertThat(found).as("%s: %s objects of component %s", label, kind, component).hasSizeLessThan(2);
        return found.stream().findFirst();
    }

    Map<String, Object> component(String kind, String component) {
        return findComponent(kind, component).orElseThrow(() -> new AssertionError(
                "%s: no %s of component %s".formatted(label, kind, component)));
    }

    /** Deployments and StatefulSets. */
    List<Map<String, Object>> workloads() {
        return objects.stream().filter(o -> "Deployment".equals(o.get("kind")) || "StatefulSet".equals(o.get("kind")))
                .toList();
    }

    /** The Service that selects the pods of {@code component}'s workload. */
    Map<String, Object> serviceSelecting(Map<String, Object> workload) {
        Map<String, Object> podLabels = labels(map(at(workload, "spec", "template")));
        List<Map<String, Object>> services = ofKind("Service").stream()
                .filter(s -> podLabels.entrySet().containsAll(map(at(s, "spec", "selector")).entrySet())).toList();
        assertThat(services).as("%s: Services selecting %s", label, name(workload)).hasSize(1);
        return services.getFirst();
    }

    /**
     * A container's environment as Kubernetes builds it: envFrom ConfigMaps (rendered in the same output) first, then
     * env entries in order. Secret references stay references.
     */
    Map<String, Env> env(Map<String, Object> container) {
        Map<String, Env> env = new LinkedHashMap<>();
        for (Object source : list(container.get("envFrom"))) {
            Map<String, Object> configMapRef = map(map(source).get("configMapRef"));
            assertThat(configMapRef).as("%s: envFrom of %s names a ConfigMap", label, container.get("name")).isNotNull();
            Map<String, Object> configMap = get("ConfigMap", (String) configMapRef.get("name"));
            map(configMap.get("data")).forEach((k, v) -> env.put(k, new Env(k, String.valueOf(v), null, null)));
        }
        for (Object item : list(container.get("env"))) {
            Map<String, Object> entry = map(item);
            String name = (String) entry.get("name");
            Map<String, Object> secretRef = map(at(entry, "valueFrom", "secretKeyRef"));
            if (secretRef != null) {
                env.put(name, new Env(name, null, (String) secretRef.get("name"), (String) secretRef.get("key")));
            } else {
                assertThat(entry.get("valueFrom")).as("%s: %s comes from a value or a Secret", label, name).isNull();
                env.put(name, new Env(name, Objects.toString(entry.get("value"), ""), null, null));
            }
        }
        return env;
    }

    /** The decoded value of a Secret rendered by the chart, or empty when the chart does not render that Secret. */
    Optional<String> secretValue(String secret, String key) {
        return find("Secret", secret).map(s -> {
            Object encoded = map(s.get("data")).get(key);
            assertThat(encoded).as("%s: Secret %s has key %s", label, secret, key).isNotNull();
            return new String(Base64.getDecoder().decode(encoded.toString()), StandardCharsets.UTF_8);
        });
    }

    static String name(Map<String, Object> object) {
        return (String) map(object.get("metadata")).get("name");
    }

    static Map<String, Object> labels(Map<String, Object> object) {
        Map<String, Object> labels = map(map(object.get("metadata")).get("labels"));
        return labels == null ? Map.of() : labels;
    }

    static Map<String, Object> annotations(Map<String, Object> object) {
        Map<String, Object> annotations = map(map(object.get("metadata")).get("annotations"));
        return annotations == null ? Map.of() : annotations;
    }

    static Map<String, Object> podSpec(Map<String, Object> workload) {
        return map(at(workload, "spec", "template", "spec"));
    }

    /** Containers and init containers of a workload's pod. */
    static List<Map<String, Object>> containers(Map<String, Object> workload) {
        List<Map<String, Object>> containers = new ArrayList<>();
        list(podSpec(workload).get("initContainers")).forEach(c -> containers.add(map(c)));
        list(podSpec(workload).get("containers")).forEach(c -> containers.add(map(c)));
        return containers;
    }

    static Map<String, Object> container(Map<String, Object> workload, String name) {
        return containers(workload).stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in " + name(workload)));
    }

    static Object at(Object root, String... path) {
        Object current = root;
        for (String key : path) {
            if (!(current instanceof Map<?, ?> m)) {
                return null;
            }
            current = m.get(key);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        return value == null ? List.of() : (List<Object>) value;
    }
}
