package dev.swell.operator.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A hundred services on one operator (the packaged one, in a process of its own, with the 512 MiB
 * heap its Deployment allows): each gets its worker and its queue loop, an idle service costs the
 * API server nothing, a burst on a tenth of the queues scales each of their workers, a spec change
 * reaches the status, and a SIGKILLed operator converges again without rewriting what did not
 * change. `make bench-scale` runs the same scenario with thousands and reports the numbers.
 */
class ScaleE2E {

  static final int SERVICES = 100;

  @Test
  void aHundredServicesOnOneOperator() throws Exception {
    try (ScaleRun run = new ScaleRun("e2e-scale", SERVICES, 1, "512m")) {
      run.startOperator();
      long start = System.nanoTime();
      run.createAll();
      double converged = run.awaitConverged(start, Duration.ofMinutes(4));
      System.out.printf("%d services converged in %.1f s%n", SERVICES, converged);

      // new workers start at 1 (the Deployment's default) until their loop's first tick takes them
      // to 0
      run.awaitAllAtZero(Duration.ofMinutes(2));
      Thread.sleep(10_000); // the last status and events written
      long lines = run.operator().scrape().lines().filter(l -> !l.startsWith("#")).count();
      assertThat(lines)
          .as(
              "series on the operator's /metrics with %d services (a few per service at most)",
              SERVICES)
          .isLessThan(400 + 3L * SERVICES);
      ScaleRun.Window idle = run.measure(Duration.ofSeconds(20), () -> {});
      assertThat(idle.writesByKind())
          .as("writes to the API server while every queue is idle")
          .isEmpty();
      assertThat(idle.redisScripts())
          .as("Redis scripts in %.0f s: one read per service per second", idle.seconds())
          .isBetween(SERVICES * idle.seconds() * 0.5, SERVICES * idle.seconds() * 1.5);

      ScaleRun.Bursts bursts = run.burst(SERVICES / 10, Duration.ofSeconds(60));
      assertThat(bursts.missed()).as("bursts whose worker never left 0").isZero();
      System.out.printf(
          "burst reactions: median %.2f s, max %.2f s%n",
          ScaleRun.percentile(bursts.reactions(), 50),
          ScaleRun.percentile(bursts.reactions(), 100));

      assertThat(run.specChanges(5, Duration.ofSeconds(60)))
          .as("seconds from a spec change to the status' observedGeneration")
          .hasSize(5)
          .allMatch(s -> s < 60);

      run.awaitAllAtZero(Duration.ofMinutes(2));
      Thread.sleep(10_000); // the last statuses of the bursts and spec changes out
      double again = run.restart(Duration.ofMinutes(4));
      System.out.printf(
          "after a SIGKILL the operator converged again in %.1f s, writing %s%n",
          again, run.writesSinceRestart());
      Thread.sleep(10_000);
      // the new loops' first reads are in by now: they found what the last loops had shown
      assertThat(run.writesSinceRestart())
          .as("writes since the SIGKILL, the new loops' first reads in")
          .doesNotContainKey("patch scalableservices/status");
      ScaleRun.Window after = run.measure(Duration.ofSeconds(20), () -> {});
      assertThat(after.writesByKind())
          .as("writes of the restarted operator once converged, every queue idle")
          .isEmpty();
    }
  }

  /**
   * Two replicas with shards (SHARDS=16): each runs the loops of its own services and none of the
   * other's (one loop per service in all), every burst is scaled, and when one is SIGKILLed the
   * other takes its services once their Leases expire. ShardLeasesIT proves the one-holder rule.
   */
  @Test
  void twoReplicasShareTheServicesAndTheSurvivorTakesThemAll() throws Exception {
    try (ScaleRun run = new ScaleRun("e2e-shards", SERVICES, 1, "512m", 2)) {
      run.startOperator();
      long start = System.nanoTime();
      run.createAll();
      run.awaitConverged(start, Duration.ofMinutes(4));
      Thread.sleep(5_000); // the shares settle: a replica gives back what is beyond its half
      run.awaitConverged(System.nanoTime(), Duration.ofMinutes(2));
      List<Double> each = run.loopsByReplica();
      System.out.printf("queue loops per replica: %s%n", each);
      assertThat(each).as("loops of each replica").allMatch(n -> n > 0 && n < SERVICES);
      ScaleRun.Bursts bursts = run.burst(SERVICES / 10, Duration.ofSeconds(60));
      assertThat(bursts.missed()).as("bursts whose worker never left 0").isZero();
      run.awaitAllAtZero(Duration.ofMinutes(2));
      Thread.sleep(10_000); // the last statuses of the burst out
      double takeover = run.killOne(Duration.ofMinutes(2));
      Thread.sleep(10_000);
      System.out.printf(
          "the survivor runs every loop %.1f s after the SIGKILL, writing %s%n",
          takeover, run.writesSinceRestart());
      assertThat(run.writesSinceRestart())
          .as("the survivor's writes since the SIGKILL, its new loops' first reads in")
          .doesNotContainKey("patch scalableservices/status");
      assertThat(run.loopsByReplica()).containsExactly((double) SERVICES);
      ScaleRun.Bursts after = run.burst(SERVICES / 10, Duration.ofSeconds(60));
      assertThat(after.missed()).as("bursts after the takeover whose worker never left 0").isZero();
    }
  }
}
