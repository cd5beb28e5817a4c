package dev.swell.operator.nodes;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The simulated cluster's real nodes (hack/sim-cluster.sh with SWELL_SIM_REAL_NODES), seen as a
 * user sees them: kubectl and the API. Pods here run: images, probes, security context and Services
 * are the real thing. A cluster without real nodes fails the tests, never skips them.
 */
final class RealNodes implements AutoCloseable {

  /** The repository root (failsafe runs in operator/). */
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  final KubernetesClient client = new KubernetesClientBuilder().build();

  RealNodes() {
    assertThat(System.getenv("KUBECONFIG"))
        .as("KUBECONFIG: `make test` starts the simulated cluster")
        .isNotBlank();
    assertThat(names())
        .as("nodes with a containerd runtime: hack/sim-cluster.sh up with SWELL_SIM_REAL_NODES")
        .isNotEmpty();
  }

  /**
   * The operator as users install it: manifests/ as it is, with the operator's default Redis image
   * set to the one these nodes have (they reach no registry; the samples name no image), rolled
   * out, and a fresh namespace for the test's services.
   */
  static RealNodes withTheOperatorAnd(String namespace) {
    RealNodes nodes = new RealNodes();
    kubectl("apply", "--server-side", "--force-conflicts", "-k", "manifests/sim").ok();
    kubectl(
            "-n",
            "swell-system",
            "rollout",
            "status",
            "deployment/swell-operator",
            "--timeout=180s")
        .ok();
    kubectl("create", "namespace", namespace).ok();
    return nodes;
  }

  /** Deletes the test's namespace, then closes the client. */
  void close(String namespace) {
    kubectl("delete", "namespace", namespace, "--ignore-not-found", "--timeout=120s");
    close();
  }

  /** The names of the nodes whose kubelet runs containers (the others are KWOK's). */
  List<String> names() {
    return client.nodes().list().getItems().stream()
        .filter(
            n ->
                n.getStatus() != null
                    && n.getStatus().getNodeInfo() != null
                    && String.valueOf(n.getStatus().getNodeInfo().getContainerRuntimeVersion())
                        .startsWith("containerd://"))
        .map(n -> n.getMetadata().getName())
        .toList();
  }

  Node node(String name) {
    return client.nodes().withName(name).get();
  }

  List<Pod> pods(String namespace, Map<String, String> labels) {
    return client.pods().inNamespace(namespace).withLabels(labels).list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .toList();
  }

  static boolean ready(Pod p) {
    return p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /**
   * kubectl (KUBECTL, else the one on PATH) with the test's KUBECONFIG; its exit code and combined
   * output.
   */
  static Result kubectl(String... args) {
    String[] cmd = new String[args.length + 1];
    cmd[0] = System.getenv().getOrDefault("KUBECTL", "kubectl");
    System.arraycopy(args, 0, cmd, 1, args.length);
    return run(cmd);
  }

  /**
   * A command run from the repository root: its exit code, its standard output and its standard
   * error apart (kubectl exec writes its own warnings to stderr, which must not mix into what a
   * test parses).
   */
  static Result run(String... cmd) {
    Path err = null;
    try {
      err = Files.createTempFile("swell-run", ".err");
      Process p =
          new ProcessBuilder(cmd)
              .directory(REPO.toFile())
              .redirectError(ProcessBuilder.Redirect.to(err.toFile()))
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
      return new Result(p.exitValue(), out, Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(String.join(" ", cmd), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      if (err != null) {
        try {
          Files.deleteIfExists(err);
        } catch (IOException ignored) {
          // a temp file left behind
        }
      }
    }
  }

  /** crictl against one real node's containerd, as an admin on that node would run it. */
  static Result crictl(String node, String... args) {
    Path sim =
        Path.of(System.getenv().getOrDefault("SWELL_SIM_DIR", REPO.resolve(".sim").toString()));
    Result bin = run(REPO.resolve("hack/build-nodes.sh").toString(), "--bin-dir").ok();
    String[] cmd = new String[args.length + 3];
    cmd[0] = bin.stdout().strip() + "/crictl";
    cmd[1] = "--config";
    cmd[2] = sim.resolve("nodes").resolve(node).resolve("crictl.yaml").toString();
    System.arraycopy(args, 0, cmd, 3, args.length);
    return run(cmd);
  }

  /** What a command printed: {@link #stdout()} to parse, {@link #output()} (both) to search. */
  record Result(int code, String stdout, String stderr) {
    Result ok() {
      assertThat(code).as("exit code; output:%n%s", output()).isZero();
      return this;
    }

    String output() {
      return stderr.isEmpty() ? stdout : stdout + stderr;
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
