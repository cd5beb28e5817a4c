package dev.swell.operator.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The operator as users run it (manifests/ applied as is: two replicas, leader election, its
 * ServiceAccount and RBAC) manages the shop sample on real nodes, and the shop works.
 */
class ShopOnRealNodes {

  static final String NS = "real-shop";
  static final Map<String, String> API =
      Map.of("app.kubernetes.io/name", "shop", "app.kubernetes.io/component", "api");
  static final Map<String, String> WORKER =
      Map.of("app.kubernetes.io/name", "shop", "app.kubernetes.io/component", "worker");

  /**
   * The Redis image hack/images/build.sh makes from this machine's redis-server, which
   * manifests/sim makes the operator's default.
   */
  static final String REDIS_IMAGE = "swell/redis:0.1.0";

  static final Map<String, String> REDIS =
      Map.of("app.kubernetes.io/name", "shop", "app.kubernetes.io/component", "redis");

  static RealNodes nodes;
  static final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void deploy() throws Exception {
    nodes = RealNodes.withTheOperatorAnd(NS);
    RealNodes.kubectl("-n", NS, "apply", "--server-side", "-f", "manifests/samples/shop.yaml").ok();
  }

  @AfterAll
  static void remove() {
    if (nodes != null) {
      nodes.close(NS);
    }
  }

  static List<Pod> readyApiPods() {
    await()
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              List<Pod> pods = nodes.pods(NS, API);
              // at least the sample's minReplicas: the hostile burst may have made the HPA add one
              assertThat(pods)
                  .as("api pods")
                  .hasSizeGreaterThanOrEqualTo(2)
                  .allMatch(RealNodes::ready, "Ready");
            });
    return nodes.pods(NS, API);
  }

  @Test
  void apiPodsBecomeReadyThroughTheirRealReadinessProbeOnRealNodes() {
    List<Pod> pods = readyApiPods();
    List<String> real = nodes.names();
    for (Pod p : pods) {
      assertThat(real)
          .as("node of %s", p.getMetadata().getName())
          .contains(p.getSpec().getNodeName());
      assertThat(p.getSpec().getContainers().get(0).getReadinessProbe().getHttpGet().getPath())
          .isEqualTo("/readyz");
      assertThat(p.getStatus().getContainerStatuses().get(0).getContainerID())
          .startsWith("containerd://");
    }
    // the image's read-only root still lets Netty unpack its epoll library (to the /tmp volume)
    assertThat(
            RealNodes.kubectl("-n", NS, "logs", pods.get(0).getMetadata().getName()).ok().output())
        .contains("epoll event loops");
  }

  static String apiBase() {
    Service svc = nodes.client.services().inNamespace(NS).withName("shop-api").get();
    assertThat(svc).as("Service shop-api").isNotNull();
    return "http://"
        + svc.getSpec().getClusterIP()
        + ":"
        + svc.getSpec().getPorts().get(0).getPort();
  }

  static HttpResponse<String> send(HttpRequest.Builder req) throws Exception {
    return http.send(
        req.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aProductIsAMissThenAHitThroughTheServiceClusterIp() throws Exception {
    readyApiPods();
    String base = apiBase();
    HttpResponse<String> first = send(HttpRequest.newBuilder(URI.create(base + "/products/1")));
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(first.headers().firstValue("X-Cache")).hasValue("MISS");
    HttpResponse<String> second = send(HttpRequest.newBuilder(URI.create(base + "/products/1")));
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("X-Cache")).hasValue("HIT");
  }

  @Test
  void aJobIsAccepted() throws Exception {
    readyApiPods();
    HttpResponse<String> r =
        send(
            HttpRequest.newBuilder(URI.create(apiBase() + "/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"payload\":\"real-pods\"}")));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
  }

  @Test
  void theApiRunsAsNonRootAndCannotWriteToItsRootFilesystem() {
    Pod pod = readyApiPods().get(0);
    String name = pod.getMetadata().getName();
    // the image has no shell: a second JVM in the container shows its user and tries to write
    RealNodes.Result who =
        RealNodes.kubectl(
                "-n",
                NS,
                "exec",
                name,
                "--",
                "java",
                "-Xmx16m",
                "-XshowSettings:properties",
                "-version")
            .ok();
    assertThat(who.output()).contains("user.name = nonroot");
    RealNodes.Result root =
        RealNodes.kubectl(
            "-n",
            NS,
            "exec",
            name,
            "--",
            "java",
            "-Xmx16m",
            "-Xlog:gc:file=/probe.log",
            "-version");
    assertThat(root.output()).containsIgnoringCase("read-only file system");
    RealNodes.Result tmp =
        RealNodes.kubectl(
                "-n",
                NS,
                "exec",
                name,
                "--",
                "java",
                "-Xmx16m",
                "-Xlog:gc:file=/tmp/probe.log",
                "-version")
            .ok();
    assertThat(tmp.output()).doesNotContainIgnoringCase("read-only file system");
  }

  @Test
  void theOperatorPodScalesWorkersOnTheDedicatedNodeFromZeroToDrainABurstAndBackToZero()
      throws Exception {
    readyApiPods();
    shortenTheWorkersCooldown();
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(workerReplicas())
                    .as("worker replicas before the burst (another test's job may be in hand)")
                    .isZero());
    String base = apiBase();
    List<String> ids = postJobs(base, "burst", 100, 100);
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(nodes.pods(NS, WORKER))
                    .as("worker pods")
                    .isNotEmpty()
                    .anyMatch(RealNodes::ready, "Ready"));
    for (Pod p : nodes.pods(NS, WORKER)) {
      assertThat(p.getSpec().getNodeName())
          .as("node of %s", p.getMetadata().getName())
          .isEqualTo("swell-worker4");
    }
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              for (String job : ids) {
                assertThat(status(base, job)).as("job %s", job).contains("\"done\"");
              }
            });
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> assertThat(workerReplicas()).as("worker replicas after the burst").isZero());
  }

  static int workerReplicas() {
    var worker = nodes.client.apps().deployments().inNamespace(NS).withName("shop-worker").get();
    assertThat(worker).as("Deployment shop-worker").isNotNull();
    return worker.getSpec().getReplicas() == null ? 1 : worker.getSpec().getReplicas();
  }

  @Test
  void aWorkerKilledWithSigkillMidBatchLosesNoJob() throws Exception {
    readyApiPods();
    String base = apiBase();
    List<String> ids = postJobs(base, "kill", 150, 200);
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () ->
                assertThat(nodes.pods(NS, WORKER))
                    .as("worker pods")
                    .anyMatch(RealNodes::ready, "Ready"));
    // wait until work is in hand, then kill one worker's container outright (no SIGTERM)
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> ids.stream().anyMatch(i -> status(base, i).contains("\"done\"")));
    Pod victim = nodes.pods(NS, WORKER).stream().filter(RealNodes::ready).findFirst().orElseThrow();
    String container =
        victim
            .getStatus()
            .getContainerStatuses()
            .get(0)
            .getContainerID()
            .replace("containerd://", "");
    RealNodes.crictl(victim.getSpec().getNodeName(), "stop", "--timeout", "0", container).ok();
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              Pod p =
                  nodes
                      .client
                      .pods()
                      .inNamespace(NS)
                      .withName(victim.getMetadata().getName())
                      .get();
              assertThat(
                      p == null
                          || p.getStatus().getContainerStatuses().get(0).getRestartCount() > 0)
                  .as("the kubelet restarted the killed container (or the pod is gone)")
                  .isTrue();
            });
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              for (String job : ids) {
                assertThat(status(base, job))
                    .as("job %s", job)
                    .containsAnyOf("\"done\"", "\"dead\"");
              }
            });
  }

  @Test
  void redisKilledWithSigkillMidDrainComesBackWithTheJobsItHeldAndLosesNone() throws Exception {
    readyApiPods();
    String base = apiBase();
    List<String> ids = postJobs(base, "before-redis-crash", 20, 0);
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              for (String job : ids) {
                assertThat(status(base, job)).as("job %s", job).contains("\"done\"");
              }
            });
    Pod redis = nodes.pods(NS, REDIS).get(0);
    assertThat(redis.getSpec().getContainers().get(0).getImage())
        .as("the operator's default Redis image (SWELL_REDIS_IMAGE in manifests/sim)")
        .isEqualTo(REDIS_IMAGE);
    // and an item no worker takes, as a queued job would be
    String pod = redis.getMetadata().getName();
    RealNodes.kubectl("-n", NS, "exec", pod, "--", "redis-cli", "RPUSH", "parked", "a", "b", "c")
        .ok();
    // and the workers mid-drain: some jobs done, others queued or in hand. A SIGKILL of Redis
    // alone loses no acknowledged write: Redis writes the append-only file before it answers
    // (only a slow fsync makes it wait up to 2 s, and a node crash loses up to 1 s)
    List<String> draining = postJobs(base, "mid-drain", 40, 300);
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> draining.stream().anyMatch(j -> status(base, j).contains("\"done\"")));
    var status = redis.getStatus().getContainerStatuses().get(0);
    RealNodes.crictl(
            redis.getSpec().getNodeName(),
            "stop",
            "--timeout",
            "0",
            status.getContainerID().replace("containerd://", ""))
        .ok();
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              Pod now = nodes.client.pods().inNamespace(NS).withName(pod).get();
              assertThat(now.getStatus().getContainerStatuses().get(0).getRestartCount())
                  .as("the kubelet restarted Redis in its pod")
                  .isGreaterThan(status.getRestartCount());
              assertThat(RealNodes.ready(now)).as("Redis Ready again").isTrue();
            });
    assertThat(
            RealNodes.kubectl("-n", NS, "exec", pod, "--", "redis-cli", "LLEN", "parked")
                .ok()
                .stdout())
        .as("the parked items, read back from the append-only file")
        .contains("3");
    // the api reconnects on its own (within a second of Redis answering again)
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              for (String job : ids) {
                assertThat(status(base, job))
                    .as("job %s after the crash", job)
                    .contains("\"done\"");
              }
            });
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              for (String job : draining) {
                assertThat(status(base, job))
                    .as("job %s, queued or in hand when Redis was killed", job)
                    .contains("\"done\"")
                    .contains("\"completions\":\"1\"");
              }
            });
  }

  /**
   * Two pods of the same image ask the managed Redis for PING without a password: one with the
   * label the NetworkPolicy admits (swell.dev/redis-client: shop, which only the operator's
   * Deployments and cluster admins, as this test is, may set: RbacE2E), one with the api's other
   * labels copied. Reaching Redis answers NOAUTH; the policy drops the other's connection, which
   * hangs until the pod's deadline.
   */
  @Test
  void onlyPodsWithTheServicesLabelsReachRedis() throws Exception {
    readyApiPods();
    String admitted = redisProbe("np-admitted", "{swell.dev/redis-client: shop}");
    String refused =
        redisProbe(
            "np-refused", "{app.kubernetes.io/part-of: shop, app.kubernetes.io/component: api}");
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(RealNodes.kubectl("-n", NS, "logs", admitted).output())
                    .as("a pod the policy admits reaches Redis (which asks for its password)")
                    .contains("NOAUTH"));
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(
                        nodes
                            .client
                            .pods()
                            .inNamespace(NS)
                            .withName(refused)
                            .get()
                            .getStatus()
                            .getPhase())
                    .as("the refused pod ends at its deadline")
                    .isEqualTo("Failed"));
    assertThat(RealNodes.kubectl("-n", NS, "logs", refused).output())
        .as("a pod with the api's other labels copied never reached Redis")
        .doesNotContain("NOAUTH");
  }

  /** A pod that runs redis-cli PING against shop-redis, for at most 20 s. */
  static String redisProbe(String name, String labels) throws Exception {
    Path file = Files.createTempFile(name, ".yaml");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, labels: %s}
        spec:
          restartPolicy: Never
          activeDeadlineSeconds: 20
          securityContext: {runAsNonRoot: true, runAsUser: 999, seccompProfile: {type: RuntimeDefault}}
          containers:
            - name: ping
              image: %s
              command: [redis-cli, -h, shop-redis, PING]
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities: {drop: [ALL]}
        """
            .formatted(name, labels, REDIS_IMAGE));
    RealNodes.kubectl("-n", NS, "apply", "-f", file.toString()).ok();
    Files.delete(file);
    return name;
  }

  static String status(String base, String job) {
    try {
      return send(HttpRequest.newBuilder(URI.create(base + "/jobs/" + job))).body();
    } catch (Exception e) {
      return e.toString();
    }
  }

  static List<String> postJobs(String base, String name, int count, int workMillis)
      throws Exception {
    List<String> ids = new ArrayList<>();
    Pattern id = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    for (int i = 0; i < count; i++) {
      HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(URI.create(base + "/jobs"))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"payload\":\""
                              + name
                              + "-"
                              + i
                              + "\",\"workMillis\":"
                              + workMillis
                              + "}")));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
      Matcher m = id.matcher(r.body());
      assertThat(m.find()).as(r.body()).isTrue();
      ids.add(m.group(1));
    }
    return ids;
  }

  @Test
  void whenTheLeaderPodIsDeletedMidReconcileTheOtherReplicaTakesTheLeaseAndConverges()
      throws Exception {
    String holder = leaseHolder();
    Pod leaderPod =
        nodes.pods("swell-system", Map.of("app.kubernetes.io/name", "swell-operator")).stream()
            .filter(p -> holder.contains(p.getMetadata().getName()))
            .findFirst()
            .orElseThrow(
                () -> new AssertionError("no operator pod holds the Lease; its holder: " + holder));
    // a new service, and its leader gone while it reconciles it
    Path file = Files.createTempFile("failover", ".yaml");
    Files.writeString(
        file,
        """
        apiVersion: swell.dev/v1alpha1
        kind: ScalableService
        metadata: {name: failover}
        spec:
          image: swell/sample-app:0.1.0
          redis: {mode: Managed}
          api: {replicas: 1}
        """);
    RealNodes.kubectl("-n", NS, "apply", "--server-side", "-f", file.toString()).ok();
    Files.delete(file);
    RealNodes.kubectl(
            "-n",
            "swell-system",
            "delete",
            "pod",
            leaderPod.getMetadata().getName(),
            "--wait=false")
        .ok();
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(leaseHolder())
                    .as("the Lease's holder")
                    .doesNotContain(leaderPod.getMetadata().getName()));
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              GenericKubernetesResource s =
                  nodes
                      .client
                      .genericKubernetesResources("swell.dev/v1alpha1", "ScalableService")
                      .inNamespace(NS)
                      .withName("failover")
                      .get();
              Object observed =
                  s.getAdditionalProperties().get("status") instanceof Map<?, ?> st
                      ? st.get("observedGeneration")
                      : null;
              assertThat(observed).as("status.observedGeneration").isNotNull();
              assertThat(((Number) observed).longValue())
                  .isEqualTo(s.getMetadata().getGeneration());
              Map<String, String> mine = Map.of("app.kubernetes.io/name", "failover");
              List<String> deployments =
                  nodes
                      .client
                      .apps()
                      .deployments()
                      .inNamespace(NS)
                      .withLabels(mine)
                      .list()
                      .getItems()
                      .stream()
                      .peek(d -> assertOwnedBy(d, s))
                      .map(d -> d.getMetadata().getName())
                      .sorted()
                      .toList();
              List<String> services =
                  nodes
                      .client
                      .services()
                      .inNamespace(NS)
                      .withLabels(mine)
                      .list()
                      .getItems()
                      .stream()
                      .peek(d -> assertOwnedBy(d, s))
                      .map(d -> d.getMetadata().getName())
                      .sorted()
                      .toList();
              assertThat(deployments).containsExactly("failover-api", "failover-redis");
              assertThat(services).containsExactly("failover-api", "failover-redis");
            });
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () ->
                assertThat(
                        nodes.pods(
                            "swell-system", Map.of("app.kubernetes.io/name", "swell-operator")))
                    .as("operator pods (the Deployment replaces the deleted one)")
                    .hasSize(2)
                    .allMatch(RealNodes::ready, "Ready"));
  }

  static String leaseHolder() {
    Lease lease =
        nodes.client.leases().inNamespace("swell-system").withName("swell-operator").get();
    assertThat(lease).as("Lease swell-system/swell-operator").isNotNull();
    assertThat(lease.getSpec().getHolderIdentity()).as("the Lease's holder").isNotBlank();
    return lease.getSpec().getHolderIdentity();
  }

  static void assertOwnedBy(HasMetadata child, HasMetadata owner) {
    assertThat(child.getMetadata().getOwnerReferences())
        .as("owners of %s", child.getMetadata().getName())
        .anyMatch(o -> o.getUid().equals(owner.getMetadata().getUid()));
  }

  /** The sample waits 60 s after the last job and the HPA's default 300 s before scaling down. */
  static void shortenTheWorkersCooldown() {
    patchWorkerAutoscaling(
        "{\"cooldown\":\"5s\",\"behavior\":{\"scaleDown\":{\"stabilizationWindowSeconds\":0}}}");
  }

  /** Merges {@code autoscaling} into the shop's {@code spec.worker.autoscaling}. */
  static void patchWorkerAutoscaling(String autoscaling) {
    RealNodes.kubectl(
            "-n",
            NS,
            "patch",
            "scalableservice",
            "shop",
            "--type",
            "merge",
            "-p",
            "{\"spec\":{\"worker\":{\"autoscaling\":" + autoscaling + "}}}")
        .ok();
  }

  @Test
  void onAScaleDownThePodThatHoldsWorkStaysAndTheOthersAreStoppedWithSigterm() throws Exception {
    readyApiPods();
    shortenTheWorkersCooldown();
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertThat(workerReplicas()).as("worker replicas before").isZero());
    // and no worker of an earlier test still draining: one stopping could take the slow job
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () ->
                assertThat(nodes.client.pods().inNamespace(NS).withLabels(WORKER).list().getItems())
                    .as("worker pods, terminating ones included")
                    .isEmpty());
    String base = apiBase();
    // the slow job first, on a worker that is Ready before the burst: the ReplicaSet removes
    // not-Ready pods before it weighs pod-deletion-cost, so a busy pod still starting could go
    String slow = postJobs(base, "slow", 1, 45_000).get(0);
    Pattern worker = Pattern.compile("\"worker\"\\s*:\\s*\"([^\"]+)\"");
    String holder =
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () -> {
                  Matcher m = worker.matcher(status(base, slow));
                  return m.find() ? m.group(1) : null;
                },
                h -> h != null);
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () ->
                assertThat(nodes.pods(NS, WORKER))
                    .as("the slow job's worker, Ready")
                    .anyMatch(p -> p.getMetadata().getName().equals(holder) && RealNodes.ready(p)));
    List<String> quick = postJobs(base, "quick", 59, 10);
    Set<String> started = new TreeSet<>();
    // once the queue is empty, only the slow job's batch is in hand: one worker is still needed,
    // and it must be the one that holds it (a batch is acknowledged when its last job ends)
    await()
        .atMost(Duration.ofSeconds(40))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              nodes
                  .client
                  .pods()
                  .inNamespace(NS)
                  .withLabels(WORKER)
                  .list()
                  .getItems()
                  .forEach(p -> started.add(p.getMetadata().getName()));
              assertThat(started).as("workers the burst started").hasSizeGreaterThan(1);
              assertThat(workerReplicas())
                  .as("worker replicas while the slow job runs")
                  .isEqualTo(1);
              assertThat(nodes.pods(NS, WORKER))
                  .extracting(p -> p.getMetadata().getName())
                  .as("the worker left")
                  .containsExactly(holder);
            });
    assertThat(status(base, slow)).as("the slow job, not yet done").doesNotContain("\"done\"");
    // the others were stopped by their kubelet: SIGTERM, then the grace period
    List<String> stopped = started.stream().filter(n -> !n.equals(holder)).toList();
    assertThat(stopped).as("workers removed on the scale-down").isNotEmpty();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              List<String> killed =
                  nodes.client.v1().events().inNamespace(NS).list().getItems().stream()
                      .filter(e -> "Killing".equals(e.getReason()))
                      .map(e -> e.getInvolvedObject().getName())
                      .toList();
              assertThat(killed).as("pods the kubelet stopped").containsAll(stopped);
            });
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              assertThat(status(base, slow)).as("the slow job").contains("\"done\"");
              for (String job : quick) {
                assertThat(status(base, job)).as("job %s", job).contains("\"done\"");
              }
            });
  }

  /** iptables on the host, where every real node's pod traffic crosses the one bridge. */
  static RealNodes.Result iptables(String op, String... rule) {
    String[] cmd = new String[rule.length + 3];
    cmd[0] = "iptables";
    cmd[1] = op;
    cmd[2] = "FORWARD";
    System.arraycopy(rule, 0, cmd, 3, rule.length);
    return RealNodes.run(cmd);
  }

  @Test
  void aWorkerCutOffFromRedisSaysItCannotWorkAndGoesOnWhenTheLinkReturns() throws Exception {
    readyApiPods();
    String base = apiBase();
    List<String> before = postJobs(base, "partition", 40, 300);
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> nodes.pods(NS, WORKER).stream().anyMatch(RealNodes::ready));
    // no scale-down while the link is cut: the ReplicaSet removes a not-Ready pod first, and an
    // earlier test may have shortened the cooldown to 5 s, so a drained queue would take the very
    // pod this test watches (its batch goes back to the queue: removing it is right, but then
    // nothing here shows it riding the outage out). The pod is chosen once the floor is set.
    workerFloor(workerReplicas());
    try {
      String name =
          nodes.pods(NS, WORKER).stream()
              .filter(RealNodes::ready)
              .findFirst()
              .orElseThrow(() -> new AssertionError("no Ready worker left to cut off"))
              .getMetadata()
              .getName();
      partitionAndHeal(base, before, name);
    } finally {
      workerFloor(0);
    }
  }

  /** The sample's {@code minReplicas} (0) or a floor a test needs for a while. */
  static void workerFloor(int minReplicas) {
    patchWorkerAutoscaling("{\"minReplicas\":" + minReplicas + "}");
  }

  private void partitionAndHeal(String base, List<String> before, String name) throws Exception {
    Pod cut = nodes.client.pods().inNamespace(NS).withName(name).get();
    String redisIp = nodes.pods(NS, REDIS).get(0).getStatus().getPodIP();
    // both directions, established connections included: the link is gone, nothing is refused
    String[][] rules = {
      {"-s", cut.getStatus().getPodIP(), "-d", redisIp, "-j", "DROP"},
      {"-s", redisIp, "-d", cut.getStatus().getPodIP(), "-j", "DROP"}
    };
    for (String[] rule : rules) {
      iptables("-I", rule).ok();
    }
    try {
      await("the cut-off worker reports it cannot work (readiness)")
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                Pod p = nodes.client.pods().inNamespace(NS).withName(name).get();
                return p != null && !RealNodes.ready(p);
              });
      Thread.sleep(15_000); // longer than its heartbeat lives: the others take its batch back
    } finally {
      for (String[] rule : rules) {
        iptables("-D", rule);
      }
    }
    await("the worker Ready again, in the same container")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              Pod p = nodes.client.pods().inNamespace(NS).withName(name).get();
              assertThat(p).as("pod %s", name).isNotNull();
              assertThat(RealNodes.ready(p)).as("Ready").isTrue();
              assertThat(p.getStatus().getContainerStatuses().get(0).getRestartCount())
                  .as("restarts: it rode the outage out")
                  .isZero();
            });
    List<String> after = postJobs(base, "after-partition", 20, 0);
    await()
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              for (String job : before) {
                assertThat(status(base, job))
                    .as("job %s", job)
                    .contains("\"done\"")
                    .contains("\"completions\":\"1\"");
              }
              for (String job : after) {
                assertThat(status(base, job)).as("job %s", job).contains("\"done\"");
              }
            });
  }

  @Test
  void aBurstOfHostileRequestsGetsNo5xxAndCostsAnotherClientNothing() throws Exception {
    List<Pod> api = readyApiPods();
    // to the pods themselves, so each client's address is its own (the host has two)
    List<String> bases =
        api.stream().map(p -> "http://" + p.getStatus().getPodIP() + ":8080").toList();
    HttpClient victim =
        HttpClient.newBuilder()
            .localAddress(InetAddress.getByName("192.0.2.2"))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    HttpClient attacker =
        HttpClient.newBuilder()
            .localAddress(InetAddress.getByName("10.244.0.1"))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    ConcurrentMap<String, AtomicInteger> got = new ConcurrentHashMap<>();
    List<String> serverErrors = Collections.synchronizedList(new ArrayList<>());
    long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    List<Thread> attackers = new ArrayList<>();
    for (int t = 0; t < 16; t++) {
      int me = t;
      attackers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    Random random = new Random(me);
                    for (int i = 0; System.nanoTime() < until; i++) {
                      String base = bases.get(i % bases.size());
                      String kind = HOSTILE.get(random.nextInt(HOSTILE.size()));
                      try {
                        int code = hostile(attacker, base, kind, random);
                        got.computeIfAbsent(kind + " " + code, k -> new AtomicInteger())
                            .incrementAndGet();
                        if (code >= 500) {
                          serverErrors.add(kind + " -> " + code);
                        }
                      } catch (Exception e) {
                        got.computeIfAbsent(
                                kind + " " + e.getClass().getSimpleName(), k -> new AtomicInteger())
                            .incrementAndGet();
                      }
                    }
                  }));
    }
    // the victim: 5 requests a second, far inside its budget, all through the attack
    List<Integer> victimCodes = new ArrayList<>();
    while (System.nanoTime() < until) {
      HttpResponse<String> r =
          victim.send(
              HttpRequest.newBuilder(
                      URI.create(bases.get(victimCodes.size() % bases.size()) + "/products/2"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      victimCodes.add(r.statusCode());
      Thread.sleep(200);
    }
    for (Thread t : attackers) {
      t.join(30_000);
    }
    System.out.println("hostile burst, by kind and answer: " + new TreeMap<>(got));
    assertThat(serverErrors).as("5xx answers to the attacker").isEmpty();
    assertThat(got.getOrDefault("flood 429", new AtomicInteger()).get())
        .as("the attacker ran into its own rate limit (else the burst proves nothing)")
        .isPositive();
    assertThat(victimCodes).as("the victim's answers").isNotEmpty().containsOnly(200);
    for (Pod p : nodes.pods(NS, API)) {
      assertThat(p.getStatus().getContainerStatuses().get(0).getRestartCount())
          .as("restarts of %s", p.getMetadata().getName())
          .isZero();
    }
  }

  static final List<String> HOSTILE =
      List.of(
          "flood",
          "made-up-key",
          "spoofed-forwarded-for",
          "garbage",
          "huge-header",
          "huge-body",
          "deep-json",
          "bad-id",
          "unknown-product");

  /** One hostile request of a kind; its status code (a raw exchange's, read off the wire). */
  static int hostile(HttpClient client, String base, String kind, Random random) throws Exception {
    HttpRequest.Builder req =
        switch (kind) {
          case "flood" -> HttpRequest.newBuilder(URI.create(base + "/products/1"));
          case "made-up-key" ->
              HttpRequest.newBuilder(URI.create(base + "/products/1"))
                  .header("X-API-Key", Long.toHexString(random.nextLong()));
          case "spoofed-forwarded-for" ->
              HttpRequest.newBuilder(URI.create(base + "/products/1"))
                  .header("X-Forwarded-For", "192.0.2.2");
          case "huge-body" ->
              HttpRequest.newBuilder(URI.create(base + "/jobs"))
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"payload\":\"" + "x".repeat(40_000) + "\"}"));
          case "deep-json" ->
              HttpRequest.newBuilder(URI.create(base + "/jobs"))
                  .POST(HttpRequest.BodyPublishers.ofString("[".repeat(5_000)));
          case "bad-id" ->
              HttpRequest.newBuilder(URI.create(base + "/products/1e99"))
                  .PUT(HttpRequest.BodyPublishers.ofString("{}"));
          case "unknown-product" ->
              HttpRequest.newBuilder(
                      URI.create(base + "/products/" + (2000 + random.nextInt(9000))))
                  .PUT(HttpRequest.BodyPublishers.ofString("{\"name\":\"x\",\"priceCents\":1}"));
          default -> null;
        };
    if (req != null) {
      return client
          .send(req.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    }
    URI uri = URI.create(base);
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress("10.244.0.1", 0));
      s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
      s.setSoTimeout(10_000);
      String raw =
          kind.equals("garbage")
              ? "\u0000\u0001GARBAGE /\r\n\r\n"
              : "GET /products/1 HTTP/1.1\r\nHost: x\r\nX-Junk: " + "y".repeat(20_000) + "\r\n\r\n";
      s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
      String line =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1))
              .readLine();
      assertThat(line).as("answer to %s", kind).isNotNull().startsWith("HTTP/1.1 ");
      return Integer.parseInt(line.substring(9, 12));
    }
  }
}
