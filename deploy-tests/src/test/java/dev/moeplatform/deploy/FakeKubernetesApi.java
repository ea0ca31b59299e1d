package dev.moeplatform.deploy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * The part of a Kubernetes API server that Helm's {@code lookup} template function reads: the discovery document of
 * the core group and Secrets by name. {@code helm template} through the Helm library answers {@code lookup} from a
 * cluster, so the chart's "keep the generated secret on upgrade" logic is tested against this stand-in: a Secret it
 * holds is what an earlier release stored, an unknown one is a first install (404, which Helm reads as absent).
 */
final class FakeKubernetesApi implements AutoCloseable {

    private static final String RESOURCES = """
            {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[\
            {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["get","list"]}]}""";
    private static final String NOT_FOUND = """
            {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404}""";

    private final HttpServer server;
    private final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private FakeKubernetesApi(HttpServer server) {
        this.server = server;
    }

    /** Starts the server on a free loopback port and writes a kubeconfig naming it to {@code kubeconfig}. */
    static FakeKubernetesApi start(Path kubeconfig) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        FakeKubernetesApi api = new FakeKubernetesApi(server);
        server.createContext("/", api::handle);
        server.start();
        Files.createDirectories(kubeconfig.getParent());
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                  - name: stand-in
                    cluster:
                      server: http://127.0.0.1:%d
                contexts:
                  - name: stand-in
                    context: {cluster: stand-in}
                current-context: stand-in
                users: []
                """.formatted(server.getAddress().getPort()));
        return api;
    }

    /** A Secret an earlier release left in the namespace (plain values; stored base64-encoded). */
    void putSecret(String namespace, String name, Map<String, String> data) {
        secrets.put(namespace + "/" + name, data);
    }

    List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(exchange.getRequestMethod() + " " + path);
        String[] parts = path.split("/");
        int status = 404;
        String body = NOT_FOUND;
        if (path.equals("/api/v1")) {
            status = 200;
            body = RESOURCES;
        } else if (parts.length == 7 && parts[3].equals("namespaces") && parts[5].equals("secrets")) {
            Map<String, String> data = secrets.get(parts[4] + "/" + parts[6]);
            if (data != null) {
                status = 200;
                body = secretJson(parts[4], parts[6], data);
            }
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (var out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String secretJson(String namespace, String name, Map<String, String> data) {
        String encoded = data.entrySet().stream()
                .map(e -> "\"%s\":\"%s\"".formatted(e.getKey(),
                        Base64.getEncoder().encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8))))
                .collect(Collectors.joining(","));
        return """
                {"apiVersion":"v1","kind":"Secret","metadata":{"name":"%s","namespace":"%s"},"type":"Opaque",\
                "data":{%s}}""".formatted(name, namespace, encoded);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
