package dev.swell.operator.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.api.QueueType;
import io.lettuce.core.RedisClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Sidekiq's queue type against Sidekiq itself (Debian's ruby-sidekiq 6.4, hack/install-deps.sh):
 * its client enqueues slow jobs, two {@code sidekiq} processes (as two pods: their hostname is the
 * pod's, as in Kubernetes) run them one at a time, and at each step what Swell reads equals what
 * Sidekiq's own API reports (Sidekiq::Queue#size; Sidekiq::Workers of those queues, by the
 * ProcessSet's hostname). Sidekiq writes its work in flight at each 5 s heartbeat, so the jobs last
 * longer than the heartbeat for steps with both processes busy to be seen.
 */
class SidekiqQueuesTest extends FrameworkHarness {

  static final double SIDEKIQ_TASK_SECONDS = 6.0;

  Path script() {
    return FRAMEWORKS.resolve("swell_jobs.rb");
  }

  void enqueue(Map<String, String> env, String queue, int n) throws Exception {
    ProcessBuilder b =
        new ProcessBuilder(
                "ruby",
                script().toString(),
                "enqueue",
                redis.uri(),
                queue,
                "" + n,
                "" + SIDEKIQ_TASK_SECONDS)
            .redirectErrorStream(true);
    b.environment().putAll(env);
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("sidekiq enqueue:%n%s", out).isZero();
  }

  void workers(Map<String, String> env, String... queues) throws Exception {
    Map<String, String> all = new HashMap<>(env);
    all.put("REDIS_URL", redis.uri());
    for (String pod : PODS) {
      List<String> cmd = new ArrayList<>(List.of("sidekiq", "-r", "./swell_jobs.rb", "-c", "1"));
      for (String q : queues) {
        cmd.addAll(List.of("-q", q));
      }
      asPod(pod, all, cmd.toArray(String[]::new));
    }
  }

  Probe sidekiq(Map<String, String> env, String... queues) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ruby", script().toString(), "counts", redis.uri()));
    cmd.addAll(List.of(queues));
    return probe(env, cmd.toArray(String[]::new));
  }

  /**
   * After the compared steps: every job ran once, and once the processes' last heartbeat cleared
   * their work, Swell reads nothing waiting and nothing in flight.
   */
  void allDoneOnce(QueueRef queue, String doneKey, int jobs) throws Exception {
    RedisClient client = RedisClient.create(redis.uri());
    try (var c = client.connect()) {
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(c.sync().hlen(doneKey)).isEqualTo(jobs));
      assertThat(c.sync().hvals(doneKey)).as("each job done once").containsOnly("1");
    } finally {
      client.shutdown();
    }
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(() -> assertThat(swell(queue)).isEqualTo(new Counts(0, 0, Map.of())));
  }

  @Test
  void sidekiqBacklogInFlightAndBusyPodsAreWhatSidekiqReports() throws Exception {
    enqueue(Map.of(), "reports", 8);
    workers(Map.of(), "reports");
    QueueRef queue = new QueueRef(QueueType.Sidekiq, List.of("reports"), null, null);
    agreeUntilDrained(sidekiq(Map.of(), "reports"), queue, true);
    allDoneOnce(queue, "swell:done:sidekiq", 8);
  }

  /**
   * Processes that listen to two queues, under a redis-namespace (every key {@code shop:...}), with
   * a third queue no process takes from: Swell sums the configured queues, counts the jobs in
   * flight from either, and reads nothing outside the namespace.
   */
  @Test
  void sidekiqWithSeveralQueuesUnderANamespaceIsWhatSidekiqReports() throws Exception {
    Map<String, String> ns = Map.of("SWELL_SIDEKIQ_NAMESPACE", "shop");
    enqueue(ns, "reports", 4);
    enqueue(ns, "mail", 4);
    enqueue(ns, "other", 2);
    workers(ns, "reports", "mail");
    QueueRef queue = new QueueRef(QueueType.Sidekiq, List.of("reports", "mail"), null, "shop");
    agreeUntilDrained(sidekiq(ns, "reports", "mail"), queue, true);
    assertThat(swell(new QueueRef(QueueType.Sidekiq, List.of("other"), null, "shop")).waiting())
        .as("the queue no process listens to")
        .isEqualTo(2);
    assertThat(swell(new QueueRef(QueueType.Sidekiq, List.of("other"), null, null)).waiting())
        .as("the same queue outside the namespace")
        .isZero();
    allDoneOnce(queue, "shop:swell:done:sidekiq", 8);
  }
}
