package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * KEDA's operator and metrics adapter, built from source by hack/build-keda.sh, as local processes
 * on the simulated cluster (as its metrics-server runs): KEDA's CRDs applied, the adapter serving
 * external.metrics.k8s.io on loopback, the two talking gRPC over TLS with the cluster's own CA and
 * the certificate its kwok and metrics-server serve with (names localhost and 127.0.0.1).
 */
final class Keda implements AutoCloseable {

  static final String NAMESPACE = "keda";

  private final List<Process> processes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private ExternalMetricsApi api;

  /**
   * @param home what hack/build-keda.sh printed, less its bin/: bin/keda, bin/keda-adapter, crds/
   * @param pki the simulated cluster's certificates (ca.crt, admin.crt, admin.key)
   */
  static Keda start(KubernetesClient client, Path home, Path pki) throws Exception {
    Keda keda = new Keda();
    try {
      keda.boot(client, home, pki);
      return keda;
    } catch (Exception | AssertionError e) {
      keda.close();
      throw e;
    }
  }

  private void boot(KubernetesClient client, Path home, Path pki) throws Exception {
    try (Stream<Path> crds = Files.list(home.resolve("crds"))) {
      for (Path crd : crds.sorted().toList()) {
        try (InputStream in = Files.newInputStream(crd)) {
          client.load(in).forceConflicts().serverSideApply();
        }
      }
    }
    client
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(NAMESPACE).endMetadata().build())
        .serverSideApply();
    Path certs = Files.createTempDirectory("swell-keda-certs");
    Files.copy(pki.resolve("ca.crt"), certs.resolve("ca.crt"));
    Files.copy(pki.resolve("admin.crt"), certs.resolve("tls.crt"));
    Files.copy(pki.resolve("admin.key"), certs.resolve("tls.key"));
    int grpc = freePort();
    int probes = freePort();
    Map<String, String> env =
        Map.of(
            "WATCH_NAMESPACE",
            "",
            "POD_NAMESPACE",
            NAMESPACE,
            "POD_NAME",
            "keda-operator-local",
            "KEDA_CLUSTER_OBJECT_NAMESPACE",
            NAMESPACE);
    Process operator =
        launch(
            env,
            home.resolve("bin/keda").toString(),
            "--leader-elect=false",
            "--metrics-bind-address=0",
            "--health-probe-bind-address=127.0.0.1:" + probes,
            "--metrics-service-bind-address=127.0.0.1:" + grpc,
            "--cert-dir=" + certs,
            "--enable-cert-rotation=false",
            "--enable-webhook-patching=false",
            "--enable-apiservice-patching=false",
            "--zap-log-level=info");
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!ready(http, "http://127.0.0.1:" + probes + "/readyz")) {
      assertThat(operator.isAlive()).as("KEDA's operator is running; its log: %s", logs).isTrue();
      assertThat(System.nanoTime()).as("KEDA's operator Ready; log: %s", logs).isLessThan(deadline);
      Thread.sleep(500);
    }
    int adapterPort = freePort();
    String kubeconfig = System.getenv("KUBECONFIG");
    launch(
        env,
        home.resolve("bin/keda-adapter").toString(),
        "--secure-port=" + adapterPort,
        "--bind-address=127.0.0.1",
        "--tls-cert-file=" + certs.resolve("tls.crt"),
        "--tls-private-key-file=" + certs.resolve("tls.key"),
        "--cert-dir=" + certs,
        "--metrics-service-address=localhost:" + grpc,
        "--port=" + freePort(),
        "--authentication-kubeconfig=" + kubeconfig,
        "--authorization-kubeconfig=" + kubeconfig,
        "--lister-kubeconfig=" + kubeconfig);
    api = ExternalMetricsApi.register(client, "keda-metrics-apiserver", adapterPort);
  }

  private Process launch(Map<String, String> env, String... command) throws IOException {
    Path log = Path.of("target", Path.of(command[0]).getFileName() + ".log").toAbsolutePath();
    ProcessBuilder pb =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    processes.add(p);
    logs.add(log);
    return p;
  }

  private static boolean ready(HttpClient http, String url) {
    try {
      return http.send(
                  HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    if (api != null) {
      api.close();
    }
    for (Process p : processes) {
      p.destroy();
      try {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
  }
}
