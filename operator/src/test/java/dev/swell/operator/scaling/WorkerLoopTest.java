package dev.swell.operator.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.Fixtures;
import dev.swell.operator.SteppedClock;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.autoscaling.Decision;
import dev.swell.operator.queue.Backlog;
import dev.swell.operator.queue.InMemoryBacklogSource;
import dev.swell.operator.queue.QueueRef;
import dev.swell.operator.queue.RedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** One worker's loop with fakes at its boundaries: what it reads, decides, writes and reports. */
class WorkerLoopTest {

  static final ScalableService SHOP =
      Fixtures.service(
          """
      image: app
      redis: {mode: External, external: {url: "redis://q:6379/0"}}
      worker:
        queue: {key: jobs, targetBacklogPerReplica: 20}
        autoscaling:
          minReplicas: 0
          maxReplicas: 10
          behavior: {scaleDown: {stabilizationWindowSeconds: 0}}
          fallback: {replicas: 2, afterFailures: 2}
      """);

  /**
   * Records what the loop writes, and plays the Deployment: a scale changes its replicas and
   * generation; while {@code lagging}, the loop's view (its informer) keeps showing the Deployment
   * as it was.
   */
  static final class FakeCluster implements ReplicaRealizer {
    Integer replicas = 4;
    long generation = 2; // scaled before (a Deployment at generation 1 was never scaled)
    boolean lagging;
    Integer shownReplicas = 4;
    long shownGeneration = 2;
    final List<String> pods = new ArrayList<>(List.of("w-1", "w-2", "w-3", "w-4"));
    final Map<String, Integer> costs = new HashMap<>();
    final List<String> writes = new ArrayList<>();

    @Override
    public long scale(String namespace, String deployment, int to) {
      writes.add("scale " + namespace + "/" + deployment + " " + to);
      if (!lagging) {
        shownReplicas = replicas;
        shownGeneration = generation;
      }
      replicas = to;
      return ++generation;
    }

    @Override
    public void setDeletionCosts(String namespace, Map<String, Integer> costByPod) {
      writes.add("costs " + new TreeMap<>(costByPod));
      costByPod.forEach(
          (pod, cost) -> {
            if (cost == null) {
              costs.remove(pod);
            } else {
              costs.put(pod, cost);
            }
          });
    }

    WorkerPods view(ScalableService s) {
      return lagging
          ? new WorkerPods(shownReplicas, shownGeneration, List.copyOf(pods), Map.copyOf(costs))
          : new WorkerPods(replicas, generation, List.copyOf(pods), Map.copyOf(costs));
    }
  }

  static final class Recorder implements WorkerLoop.Listener {
    final List<Decision> scaled = new ArrayList<>();
    final List<Map<String, Long>> protectedPods = new ArrayList<>();
    int nudges;

    @Override
    public void protectedBusyPods(ScalableService service, Map<String, Long> busy) {
      protectedPods.add(busy);
    }

    @Override
    public void scaled(ScalableService service, Decision decision) {
      scaled.add(decision);
    }

    @Override
    public void evaluated(
        ScalableService service, Decision decision, Backlog backlog, Duration took) {}

    @Override
    public void statusChanged(ScalableService service) {
      nudges++;
    }
  }

  final SteppedClock clock = new SteppedClock();
  final InMemoryBacklogSource queue = new InMemoryBacklogSource();
  final FakeCluster cluster = new FakeCluster();
  final Recorder recorder = new Recorder();
  final WorkerLoop loop =
      new WorkerLoop(
          new WorkerLoop.Config(
              SHOP,
              QueueTargets.from(SHOP.getSpec().worker),
              QueueRef.list("jobs"),
              new RedisConnection("redis://q:6379/0", null),
              Duration.ofSeconds(1),
              false),
          queue,
          cluster,
          clock,
          cluster::view,
          recorder);

  @Test
  void aBacklogScalesTheWorkerAndShowsInTheSnapshot() {
    queue.set("jobs", 97);
    loop.tick();
    assertThat(cluster.writes).containsExactly("scale demo/shop-worker 5");
    assertThat(recorder.scaled)
        .singleElement()
        .satisfies(d -> assertThat(d.message()).contains("work 97"));
    WorkerScalingSnapshot s = loop.snapshot();
    assertThat(s.backlog()).isEqualTo(97);
    assertThat(s.desiredReplicas()).isEqualTo(5);
    assertThat(s.lastChange().from()).isEqualTo(4);
    assertThat(s.lastChange().to()).isEqualTo(5);
    assertThat(recorder.nudges).isEqualTo(1);
  }

  @Test
  void aBacklogThatMovedOnceWithinTheRefreshStillReachesTheStatus() {
    queue.set("jobs", 80);
    loop.tick();
    int nudges = recorder.nudges;
    clock.stepSeconds(1);
    queue.set("jobs", 81); // within the 5 s refresh: not shown yet
    loop.tick();
    assertThat(recorder.nudges).isEqualTo(nudges);
    for (int i = 0; i < 5; i++) {
      clock.stepSeconds(1);
      loop.tick(); // 81 all along
    }
    assertThat(recorder.nudges).as("the status is asked to show 81").isEqualTo(nudges + 1);
  }

  @Test
  void aWriteItsInformerHasNotShownYetIsNotMadeAgain() {
    cluster.lagging = true; // a busy API server: the watch is seconds behind the writes
    queue.set("jobs", 97);
    loop.tick();
    for (int i = 0; i < 10; i++) {
      clock.stepSeconds(1);
      loop.tick();
    }
    assertThat(cluster.writes)
        .as("one write, though the informer still shows 4 replicas")
        .containsExactly("scale demo/shop-worker 5");
    assertThat(recorder.scaled).hasSize(1);

    cluster.lagging = false; // caught up; someone else then sets 2 by hand
    clock.stepSeconds(1);
    loop.tick();
    cluster.replicas = 2;
    cluster.generation++;
    clock.stepSeconds(1);
    loop.tick();
    assertThat(cluster.writes)
        .as("a count it did not write, once the informer shows it, is decided from")
        .containsExactly("scale demo/shop-worker 5", "scale demo/shop-worker 5");
  }

  @Test
  void aNewDeploymentOfAnIdleQueueGoesToZeroAtOnceAnOldOneWaitsForTheCooldown() {
    cluster.replicas = 1; // the API server's default: the reconciler creates it without replicas
    cluster.generation = 1;
    cluster.pods.retainAll(List.of("w-1"));
    loop.tick();
    assertThat(cluster.writes).containsExactly("scale demo/shop-worker 0");
    assertThat(recorder.scaled.getLast().message())
        .isEqualTo("no work since the Deployment was created");

    WorkerLoop restarted =
        new WorkerLoop(
            loop.config(), queue, cluster, clock, cluster::view, new Recorder()); // generation 2
    cluster.replicas = 1;
    cluster.writes.clear();
    restarted.tick();
    assertThat(cluster.writes)
        .as("a count someone chose (generation > 1) is held through the cooldown")
        .isEmpty();
  }

  @Test
  void nothingChangedMeansNoWriteAndNoStatusNudge() {
    queue.set("jobs", 80);
    loop.tick();
    int nudges = recorder.nudges;
    for (int i = 0; i < 10; i++) {
      clock.stepSeconds(1);
      loop.tick();
    }
    assertThat(cluster.writes).isEmpty();
    assertThat(recorder.nudges).isEqualTo(nudges);
  }

  @Test
  void busyPodsGetADeletionCostBeforeAScaleDown() {
    queue.set("jobs:processing:w-3", 2);
    cluster.costs.put("w-1", 1005); // busy before, idle now: its cost is cleared
    loop.tick();
    assertThat(cluster.writes)
        .containsExactly("costs {w-1=null, w-3=1002}", "scale demo/shop-worker 1");
    assertThat(cluster.costs).containsExactly(Map.entry("w-3", 1002));
    assertThat(recorder.protectedPods)
        .as("one ProtectedBusyWorkers event, naming the busy pod")
        .containsExactly(Map.of("w-3", 2L));
  }

  /**
   * One read that fails between good ones (a timeout on a busy operator) does not flip the status
   * to BacklogUnreadable and back, two status writes and an event for nothing; the second failure
   * in a row does.
   */
  @Test
  void oneFailedReadBetweenGoodOnesLeavesTheStatusAloneAndTheSecondInARowShows() {
    loop.tick();
    int nudges = recorder.nudges;
    queue.down = true;
    clock.stepSeconds(1);
    loop.tick();
    assertThat(loop.snapshot().readError()).as("after one failed read").isNull();
    assertThat(recorder.nudges).as("no status nudge for one failed read").isEqualTo(nudges);
    queue.down = false;
    clock.stepSeconds(1);
    loop.tick();
    assertThat(recorder.nudges).as("nor when the next read is good").isEqualTo(nudges);
    queue.down = true;
    clock.stepSeconds(1);
    loop.tick();
    clock.stepSeconds(1);
    loop.tick();
    assertThat(loop.snapshot().readError()).as("after two").contains("Connection refused");
    assertThat(recorder.nudges).isEqualTo(nudges + 1);
  }

  @Test
  void failedReadsLeadToFallbackReplicasAndARecovery() {
    cluster.replicas = 0;
    queue.down = true;
    loop.tick();
    assertThat(cluster.writes).isEmpty();
    assertThat(loop.snapshot().readError()).contains("Connection refused");
    assertThat(loop.snapshot().fallback()).isFalse();
    clock.stepSeconds(1);
    loop.tick();
    assertThat(cluster.writes).containsExactly("scale demo/shop-worker 2");
    assertThat(loop.snapshot().fallback()).isTrue();
    queue.down = false;
    clock.stepSeconds(1);
    loop.tick();
    assertThat(loop.snapshot().readError()).isNull();
    assertThat(loop.snapshot().fallback()).isFalse();
  }

  @Test
  void withoutTheDeploymentNothingHappens() {
    cluster.replicas = null;
    queue.set("jobs", 500);
    assertThat(loop.tick()).as("tells its runner there is nothing to scale").isFalse();
    assertThat(cluster.writes).isEmpty();
    assertThat(loop.snapshot()).isNull();
  }
}
