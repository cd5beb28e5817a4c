package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.scaling.KubernetesReplicaRealizer;
import dev.swell.operator.scaling.WorkerAutoscaler;
import dev.swell.testkit.RedisServer;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The worker scaled from a real Redis queue by the operator's own autoscaler: up on a burst, back
 * to zero after the cooldown at the scale-down policy's pace, frozen while paused, and busy pods
 * marked so the ReplicaSet removes idle ones first.
 */
class QueueScalingE2E {

  static E2ECluster cluster;
  static final RedisServer REDIS = RedisServer.plain();
  static RedisClient redisClient;
  static StatefulRedisConnection<String, String> connection;
  static RedisCommands<String, String> redis;

  @BeforeAll
  static void start() {
    REDIS.start();
    redisClient = RedisClient.create(REDIS.uri());
    connection = redisClient.connect();
    redis = connection.sync();
    cluster = new E2ECluster("e2e-queue").startOperator();
  }

  @AfterAll
  static void stop() {
    cluster.close();
    connection.close();
    redisClient.shutdown();
    REDIS.stop();
  }

  static String spec(String key, String extra) {
    return """
        image: swell/sample-app:0.1.0
        redis: {mode: External, external: {url: "%s"}}
        worker:
          queue: {key: %s, targetBacklogPerReplica: 50}
          autoscaling:
            minReplicas: 0
            maxReplicas: 8
            pollInterval: 500ms
            cooldown: 10s
            behavior:
              scaleUp: {policies: [{type: Pods, value: 20, periodSeconds: 15}]}
              scaleDown:
                stabilizationWindowSeconds: 0
                policies: [{type: Pods, value: 4, periodSeconds: 5}]
        %s"""
        .formatted(REDIS.uri(), key, extra);
  }

  static int replicas(String name) {
    Deployment d = cluster.deployment(name + "-worker");
    return d == null || d.getSpec().getReplicas() == null ? -1 : d.getSpec().getReplicas();
  }

  static void push(String key, int items) {
    redis.lpush(
        key,
        IntStream.range(0, items).mapToObj(i -> "{\"id\":\"" + i + "\"}").toArray(String[]::new));
  }

  @Test
  void aBurstScalesUpAndAnEmptyQueueScalesToZeroStepByStep() {
    Logger logger = (Logger) LoggerFactory.getLogger(WorkerAutoscaler.class);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    try {
      burstUpAndDown();
    } finally {
      logger.detachAppender(logs);
    }
    List<ILoggingEvent> scaled =
        logs.list.stream()
            .filter(e -> e.getFormattedMessage().startsWith("scaled workers"))
            .toList();
    assertThat(scaled).as("a scale-up and every step down logged").hasSizeGreaterThan(2);
    assertThat(scaled)
        .as("each log line names its ScalableService")
        .allSatisfy(
            e -> {
              assertThat(e.getMDCPropertyMap())
                  .containsEntry("resource.namespace", cluster.namespace);
              assertThat(e.getMDCPropertyMap().get("resource.name")).isNotBlank();
            });
    assertThat(scaled)
        .anySatisfy(e -> assertThat(e.getMDCPropertyMap()).containsEntry("resource.name", "burst"));
  }

  private void burstUpAndDown() {
    cluster.apply("burst", spec("burst-jobs", ""));
    await().atMost(Duration.ofSeconds(60)).until(() -> replicas("burst") == 0);

    push("burst-jobs", 500);
    // ceil(500 / 50) = 10, capped at maxReplicas 8
    await().atMost(Duration.ofSeconds(20)).until(() -> replicas("burst") == 8);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              ScalableService s = cluster.get("burst");
              assertThat(s.getStatus().worker.backlog).isEqualTo(500);
              assertThat(s.getStatus().worker.lastDecision.to).isEqualTo(8);
              assertThat(s.getStatus().worker.lastDecision.reason).contains("work 500");
            });

    // the scale-up first ages out of the 5 s scale-down period: inside it, the HPA's rules count
    // the period from before the scale-up (8 added), and a drop straight back would be allowed
    sleep(5500);
    redis.del("burst-jobs");
    List<Integer> path = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 90_000;
    while (replicas("burst") != 0 && System.currentTimeMillis() < deadline) {
      int r = replicas("burst");
      if (path.isEmpty() || path.get(path.size() - 1) != r) {
        path.add(r);
      }
      sleep(200);
    }
    path.add(replicas("burst"));
    assertThat(path).as("replicas on the way down").endsWith(0);
    for (int i = 1; i < path.size(); i++) {
      assertThat(path.get(i - 1) - path.get(i))
          .as("never more than 4 pods per 5 s: %s", path)
          .isLessThanOrEqualTo(4);
    }
    assertThat(path).as("the cooldown keeps one replica first").contains(1);
    assertThat(cluster.client.v1().events().inNamespace(cluster.namespace).list().getItems())
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("ScaledWorkers"));
  }

  @Test
  void pauseHoldsTheCount() {
    cluster.apply("frozen", spec("frozen-jobs", ""));
    push("frozen-jobs", 100);
    await().atMost(Duration.ofSeconds(30)).until(() -> replicas("frozen") == 2);
    cluster.annotate(ScalableService.class, "frozen", "swell.dev/paused", "true");
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(cluster.get("frozen").getStatus().conditions)
                    .anySatisfy(
                        c -> {
                          assertThat(c.getType()).isEqualTo("Paused");
                          assertThat(c.getStatus()).isEqualTo("True");
                        }));
    push("frozen-jobs", 300);
    sleep(4000);
    assertThat(replicas("frozen")).as("paused: 400 items, still 2 replicas").isEqualTo(2);
    cluster.annotate(ScalableService.class, "frozen", "swell.dev/paused", null);
    await().atMost(Duration.ofSeconds(20)).until(() -> replicas("frozen") == 8);
  }

  @Test
  void busyWorkersCarryADeletionCostBeforeAScaleDown() {
    cluster.apply("busy", spec("busy-jobs", ""));
    push("busy-jobs", 200);
    await().atMost(Duration.ofSeconds(30)).until(() -> replicas("busy") == 4);
    await().atMost(Duration.ofSeconds(60)).until(() -> cluster.pods("busy", "worker").size() == 4);
    Pod busy = cluster.pods("busy", "worker").get(0);
    // one worker holds 10 items; the queue empties: 10 items in flight need 1 replica
    redis.lpush(
        "busy-jobs:processing:" + busy.getMetadata().getName(),
        IntStream.range(0, 10).mapToObj(i -> "b" + i).toArray(String[]::new));
    redis.del("busy-jobs");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Pod p =
                  cluster
                      .client
                      .pods()
                      .inNamespace(cluster.namespace)
                      .withName(busy.getMetadata().getName())
                      .get();
              assertThat(p.getMetadata().getAnnotations())
                  .containsEntry(KubernetesReplicaRealizer.DELETION_COST, "1010");
            });
    await().atMost(Duration.ofSeconds(30)).until(() -> replicas("busy") == 1);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(cluster.pods("busy", "worker"))
                    .extracting(p -> p.getMetadata().getName())
                    .containsExactly(busy.getMetadata().getName()));
  }

  @Test
  void anOrphanedWorkerDeploymentIsNotScaledAnyMore() {
    cluster.apply("orphan", spec("orphan-jobs", ""));
    push("orphan-jobs", 100);
    await().atMost(Duration.ofSeconds(30)).until(() -> replicas("orphan") == 2);
    // the garbage collector orphans only the dependents its graph knows: a Deployment made a moment
    // ago may be missed, and then deleted with its owner (a Kubernetes race, not the one tested)
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> cluster.pods("orphan", "worker").size() == 2);
    sleep(3000);
    // kubectl delete ssvc orphan --cascade=orphan: the children stay, without their owner
    cluster
        .client
        .resources(ScalableService.class)
        .inNamespace(cluster.namespace)
        .withName("orphan")
        .withPropagationPolicy(DeletionPropagation.ORPHAN)
        .delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              Deployment d =
                  cluster
                      .client
                      .apps()
                      .deployments()
                      .inNamespace(cluster.namespace)
                      .withName("orphan-worker")
                      .get();
              assertThat(d).as("the worker Deployment is orphaned, not deleted").isNotNull();
              return d.getMetadata().getOwnerReferences() == null
                  || d.getMetadata().getOwnerReferences().isEmpty();
            });
    push("orphan-jobs", 300);
    sleep(4000);
    assertThat(replicas("orphan"))
        .as("400 items would ask for 8: the orphan is left alone")
        .isEqualTo(2);
    cluster
        .client
        .apps()
        .deployments()
        .inNamespace(cluster.namespace)
        .withName("orphan-worker")
        .delete();
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
