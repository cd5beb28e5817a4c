package dev.swell.operator.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One sample per queue type (manifests/samples/frameworks-*.yaml, as they are): the framework's own
 * client enqueues tasks from a pod, the framework's own workers (RQ, Celery, BullMQ in the
 * swell/frameworks image, Sidekiq from Debian; for Streams, a redis-py consumer-group worker) run
 * them in the pods Swell scales from 0, every task is done exactly once, and the workers go back to
 * 0.
 */
class FrameworksOnRealNodes {

  static final String NS = "real-frameworks";
  static final int TASKS = 24;
  static RealNodes nodes;

  @BeforeAll
  static void deploy() {
    nodes = RealNodes.withTheOperatorAnd(NS);
  }

  @AfterAll
  static void remove() {
    if (nodes != null) {
      nodes.close(NS);
    }
  }

  static int workerReplicas(String service) {
    var d = nodes.client.apps().deployments().inNamespace(NS).withName(service + "-worker").get();
    return d == null || d.getSpec().getReplicas() == null ? -1 : d.getSpec().getReplicas();
  }

  static String password(String service) {
    Secret s = nodes.client.secrets().inNamespace(NS).withName(service + "-redis-auth").get();
    assertThat(s).as("Secret %s-redis-auth", service).isNotNull();
    return new String(
        Base64.getDecoder().decode(s.getData().get("password")), StandardCharsets.UTF_8);
  }

  /** redis-cli in the service's managed Redis pod, with its password. */
  static String redisCli(String service, String... args) {
    Pod redis =
        nodes
            .pods(
                NS,
                Map.of("app.kubernetes.io/name", service, "app.kubernetes.io/component", "redis"))
            .get(0);
    String[] cmd = new String[args.length + 9];
    System.arraycopy(
        new String[] {
          "-n",
          NS,
          "exec",
          redis.getMetadata().getName(),
          "--",
          "redis-cli",
          "--no-auth-warning",
          "-a",
          password(service)
        },
        0,
        cmd,
        0,
        9);
    System.arraycopy(args, 0, cmd, 9, args.length);
    return RealNodes.kubectl(cmd).ok().stdout();
  }

  /**
   * A pod that enqueues with the framework's own client, admitted to the service's Redis by the
   * label only the operator and cluster admins (this test) may set.
   */
  static void enqueue(String service, String command) throws Exception {
    Path file = Files.createTempFile("enqueue", ".yaml");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: %1$s-enqueue, labels: {swell.dev/redis-client: %1$s}}
        spec:
          restartPolicy: Never
          securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
          containers:
            - name: enqueue
              image: swell/frameworks:0.1.0
              command: %2$s
              env:
                - {name: REDIS_URL, value: "redis://%1$s-redis:6379"}
                - name: REDIS_PASSWORD
                  valueFrom: {secretKeyRef: {name: %1$s-redis-auth, key: password}}
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities: {drop: [ALL]}
        """
            .formatted(service, command));
    RealNodes.kubectl("-n", NS, "apply", "-f", file.toString()).ok();
    Files.delete(file);
    await("the enqueuing pod ends")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              Pod p = nodes.client.pods().inNamespace(NS).withName(service + "-enqueue").get();
              return p != null && "Succeeded".equals(p.getStatus().getPhase());
            });
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "rq | frameworks-rq.yaml | rq-tasks | [python3, /app/swell_tasks.py, enqueue, rq, env,"
            + " default, '24', '2']",
        "celery | frameworks-celery.yaml | celery-tasks | [python3, /app/swell_tasks.py, enqueue,"
            + " celery, env, tasks, '24', '2']",
        "bullmq | frameworks-bullmq.yaml | bullmq-tasks | [node, /app/swell-bullmq.mjs, enqueue,"
            + " env, tasks, '24', '2000']",
        "streams | frameworks-streams.yaml | streams-tasks | [python3, /app/swell_tasks.py,"
            + " enqueue, streams, env, tasks, '24', '2']",
        "sidekiq | frameworks-sidekiq.yaml | sidekiq-tasks | [ruby, /app/swell_jobs.rb, enqueue, env,"
            + " tasks, '24', '2']"
      })
  void theSampleScalesItsFrameworksWorkersFromZeroAndBackWithEveryTaskDoneOnce(
      String kind, String sample, String service, String enqueue) throws Exception {
    RealNodes.kubectl("-n", NS, "apply", "--server-side", "-f", "manifests/samples/" + sample).ok();
    await("the worker Deployment at 0 and Redis Ready")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () ->
                workerReplicas(service) == 0
                    && nodes
                        .pods(
                            NS,
                            Map.of(
                                "app.kubernetes.io/name",
                                service,
                                "app.kubernetes.io/component",
                                "redis"))
                        .stream()
                        .anyMatch(RealNodes::ready));
    long start = System.nanoTime();
    enqueue(service, enqueue);
    AtomicInteger most = new AtomicInteger();
    await("every task done")
        .atMost(Duration.ofMinutes(4))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              most.accumulateAndGet(workerReplicas(service), Math::max);
              assertThat(redisCli(service, "HLEN", "swell:done:" + kind).strip())
                  .isEqualTo(String.valueOf(TASKS));
            });
    double drained = (System.nanoTime() - start) / 1e9;
    Map<String, String> done = new TreeMap<>();
    List<String> lines =
        redisCli(service, "HGETALL", "swell:done:" + kind).strip().lines().toList();
    for (int i = 0; i + 1 < lines.size(); i += 2) {
      done.put(lines.get(i), lines.get(i + 1));
    }
    assertThat(done).as("task id -> times done").hasSize(TASKS);
    assertThat(done.values()).as("each task done once").containsOnly("1");
    assertThat(most.get()).as("most worker replicas while the tasks ran").isGreaterThan(1);
    await("the workers back at 0, their pods gone")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofSeconds(2))
        .untilAsserted(
            () -> {
              assertThat(workerReplicas(service)).isZero();
              assertThat(
                      nodes
                          .client
                          .pods()
                          .inNamespace(NS)
                          .withLabels(
                              Map.of(
                                  "app.kubernetes.io/name",
                                  service,
                                  "app.kubernetes.io/component",
                                  "worker"))
                          .list()
                          .getItems())
                  .isEmpty();
            });
    System.out.printf(
        "%s: %d tasks done once each in %.1f s, up to %d workers, back to 0 after %.1f s%n",
        kind, TASKS, drained, most.get(), (System.nanoTime() - start) / 1e9);
  }
}
