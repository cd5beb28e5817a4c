package dev.swell.operator.scaling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.Fixtures;
import dev.swell.operator.RecordingEventSink;
import dev.swell.operator.SteppedClock;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.events.EventReason;
import dev.swell.operator.queue.Backlog;
import dev.swell.operator.queue.InMemoryBacklogSource;
import dev.swell.operator.queue.QueueBacklogSource;
import dev.swell.operator.queue.QueueRef;
import dev.swell.operator.queue.RedisConnection;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The loops' runner with fakes: one loop per service, started, updated and stopped on request. */
class WorkerAutoscalerTest {

  static final ScalableService SHOP =
      Fixtures.service(
          """
          image: app
          redis: {mode: External, external: {url: "redis://q:6379/0"}}
          worker:
            queue: {key: jobs, targetBacklogPerReplica: 10}
            autoscaling: {minReplicas: 0, maxReplicas: 8, pollInterval: 100ms}
          """);
  static final RedisConnection REDIS = new RedisConnection("redis://q:6379/0", null);

  /** The cluster as the loops see it and write it: a worker Deployment per service. */
  static final class FakeWorkers implements WorkerCatalog, ReplicaRealizer {
    final Map<String, Integer> replicas = new ConcurrentHashMap<>();
    final List<String> writes = new CopyOnWriteArrayList<>();

    @Override
    public WorkerPods of(ScalableService s) {
      return new WorkerPods(
          replicas.get(s.getMetadata().getName() + "-worker"), null, List.of(), Map.of());
    }

    @Override
    public long scale(String namespace, String deployment, int to) {
      writes.add(deployment + " " + to);
      replicas.put(deployment, to);
      return 1;
    }

    @Override
    public void setDeletionCosts(String namespace, Map<String, Integer> costByPod) {}

    @Override
    public void close() {}
  }

  final FakeWorkers cluster = new FakeWorkers();
  final InMemoryBacklogSource queue = new InMemoryBacklogSource();

  /** A queue whose reads can be made to hang, as over a partition: the loop waits on one. */
  final CountDownLatch hanging = new CountDownLatch(1);

  volatile boolean hang;
  final QueueBacklogSource slowQueue =
      new QueueBacklogSource() {
        @Override
        public CompletionStage<Backlog> read(
            RedisConnection redis, QueueRef key, Collection<String> pods) {
          if (hang) {
            hanging.countDown();
            return new CompletableFuture<>();
          }
          return queue.read(redis, key, pods);
        }

        @Override
        public void release(RedisConnection redis) {}

        @Override
        public void close() {}
      };
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final RecordingEventSink events = new RecordingEventSink();
  final SteppedClock clock = new SteppedClock();
  final WorkerAutoscaler autoscaler =
      new WorkerAutoscaler(cluster, slowQueue, cluster, registry, events, clock);

  @AfterEach
  void close() {
    autoscaler.close();
  }

  @Test
  void aTrackedServiceIsScaledByItsLoopAndReportsIt() {
    cluster.replicas.put("shop-worker", 0);
    queue.set("jobs", 35);
    autoscaler.track(SHOP, REDIS);
    await().atMost(Duration.ofSeconds(5)).until(() -> cluster.replicas.get("shop-worker") == 4);
    assertThat(events.reasons()).contains(EventReason.ScaledWorkers);
    assertThat(
            registry
                .get("swell_worker_backlog")
                .tags("namespace", "demo", "name", "shop")
                .gauge()
                .value())
        .isEqualTo(35);
    assertThat(autoscaler.track(SHOP, REDIS).desiredReplicas()).isEqualTo(4);
  }

  @Test
  void aForgottenServiceIsNeverWrittenAgainAndTrackingItAgainRunsOneLoop() throws Exception {
    cluster.replicas.put("shop-worker", 0);
    queue.set("jobs", 10);
    autoscaler.track(SHOP, REDIS);
    await().atMost(Duration.ofSeconds(5)).until(() -> cluster.replicas.get("shop-worker") == 1);
    hang = true;
    assertThat(hanging.await(5, TimeUnit.SECONDS)).as("the loop waits on a read").isTrue();
    autoscaler.forget(ResourceID.fromResource(SHOP)); // interrupts the wait
    await("the loop ends").atMost(Duration.ofSeconds(5)).until(() -> autoscaler.liveLoops() == 0);
    hang = false;
    int writes = cluster.writes.size();
    queue.set("jobs", 80);
    Thread.sleep(500);
    assertThat(cluster.writes).as("no write after forget").hasSize(writes);
    assertThat(registry.find("swell_worker_backlog").gauges()).as("its gauge is gone").isEmpty();
    assertThat(registry.get("swell_queue_loops").gauge().value()).isZero();

    autoscaler.track(SHOP, REDIS);
    autoscaler.track(SHOP, REDIS);
    // a new loop, a new history: 1 + the default policy's 4 pods
    await().atMost(Duration.ofSeconds(5)).until(() -> cluster.replicas.get("shop-worker") == 5);
    assertThat(autoscaler.liveLoops()).as("one loop for one service").isEqualTo(1);
  }

  @Test
  void stopAllReturnsOnlyWhenNoLoopCanWriteAnyMore() throws Exception {
    cluster.replicas.put("shop-worker", 0);
    queue.set("jobs", 10);
    autoscaler.track(SHOP, REDIS);
    await().atMost(Duration.ofSeconds(5)).until(() -> cluster.replicas.get("shop-worker") == 1);
    hang = true;
    assertThat(hanging.await(5, TimeUnit.SECONDS)).isTrue();
    autoscaler.stopAll(); // what a replica does when it loses the Lease
    assertThat(autoscaler.liveLoops()).as("no loop left when stopAll returns").isZero();
    int writes = cluster.writes.size();
    hang = false;
    queue.set("jobs", 80);
    Thread.sleep(400);
    assertThat(cluster.writes).hasSize(writes);
  }

  @Test
  void aLoopWhoseDeploymentStaysGoneStopsByItself() {
    autoscaler.track(SHOP, REDIS); // no worker Deployment: deleted with its ScalableService
    await().atMost(Duration.ofSeconds(5)).until(() -> autoscaler.liveLoops() == 1);
    clock.step(LoopThreads.ABSENT_LIMIT.plusSeconds(1));
    await().atMost(Duration.ofSeconds(5)).until(() -> autoscaler.liveLoops() == 0);
    clock.step(LoopThreads.ABSENT_LIMIT.plusSeconds(1));
    assertThat(cluster.writes).isEmpty();
  }
}
