package dev.swell.operator.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.api.QueueType;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Each queue type against the framework's own code: real RQ, Celery and BullMQ clients enqueue slow
 * tasks, their own worker processes (two, as two pods) run them, and at each step what Swell reads
 * (backlog, in flight, per pod where the framework's Redis state says) equals what the framework
 * itself reports (RQ's registries, Celery's broker and {@code inspect}, BullMQ's getJobCounts and
 * processedBy), with one queue and with several (Celery's priority lists among them). Sidekiq's are
 * in {@link SidekiqQueuesTest}.
 */
class FrameworkQueuesTest extends FrameworkHarness {

  /** Celery's own count asks every worker (inspect): slower, so its steps must last longer. */
  static final double CELERY_TASK_SECONDS = 8.0;

  /** More environment for every Celery process of a test (its client, workers and counts). */
  Map<String, String> celeryEnv = Map.of();

  /** N tasks of the given seconds into a queue, with the framework's own client. */
  void enqueue(Path python, String framework, String queue, int n, double seconds, String... more)
      throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                python.toString(),
                FRAMEWORKS.resolve("swell_tasks.py").toString(),
                "enqueue",
                framework,
                redis.uri(),
                queue,
                "" + n,
                "" + seconds));
    cmd.addAll(List.of(more));
    run(celeryEnv, cmd.toArray(String[]::new));
  }

  /** TASKS tasks of the given seconds into queue "reports". */
  void enqueue(Path python, String framework, double seconds) throws Exception {
    enqueue(python, framework, "reports", TASKS, seconds);
  }

  /** RQ's own workers, as the two pods, listening to the queues. */
  void rqWorkers(Path python, String... queues) throws Exception {
    for (String pod : PODS) {
      List<String> cmd =
          new ArrayList<>(
              List.of(python.resolveSibling("rq").toString(), "worker", "--url", redis.uri()));
      cmd.addAll(List.of(queues));
      asPod(pod, Map.of("PYTHONPATH", FRAMEWORKS.toString()), cmd.toArray(String[]::new));
    }
  }

  /** Celery's own workers, one task at a time, as the two pods, listening to the queues. */
  void celeryWorkers(Path python, String... queues) throws Exception {
    for (String pod : PODS) {
      Map<String, String> env = new HashMap<>(celeryEnv);
      env.putAll(Map.of("PYTHONPATH", FRAMEWORKS.toString(), "REDIS_URL", redis.uri()));
      spawn(
          pod,
          env,
          python.resolveSibling("celery").toString(),
          "-A",
          "swell_tasks",
          "worker",
          "-Q",
          String.join(",", queues),
          "-c",
          "1",
          "-n",
          pod + "@swell",
          "--without-gossip",
          "--without-mingle",
          "--loglevel",
          "INFO");
    }
  }

  /** The framework's own counts of the queues (swell_tasks.py counts). */
  Probe counts(Path python, String framework, String... queues) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(python.toString(), "swell_tasks.py", "counts", framework, redis.uri()));
    cmd.addAll(List.of(queues));
    Map<String, String> env = new HashMap<>(celeryEnv);
    env.putAll(Map.of("PYTHONPATH", FRAMEWORKS.toString(), "REDIS_URL", redis.uri()));
    return probe(env, cmd.toArray(String[]::new));
  }

  @Test
  void rqBacklogInFlightAndBusyPodsAreWhatRqReports() throws Exception {
    Path python = python();
    enqueue(python, "rq", TASK_SECONDS);
    rqWorkers(python, "reports");
    agreeUntilDrained(
        counts(python, "rq", "reports"),
        new QueueRef(QueueType.RQ, List.of("reports"), null, null),
        true);
  }

  /**
   * An RQ worker registers a job's execution in the started registry, then forks the work horse,
   * which only then takes the job off the intermediate list: for that moment the job is in both.
   * RQ's own worker code stops here at the fork (no horse), and Swell must count the job once, as
   * RQ does. A clean-clone CI saw Swell count 3 where RQ counted 2.
   */
  @Test
  void rqJobBetweenItsWorkerAndTheWorkHorseIsInFlightOnce() throws Exception {
    Path python = python();
    enqueue(python, "rq", TASK_SECONDS);
    run(
        python.toString(),
        "-c",
        String.join(
            "\n",
            "import sys",
            "from redis import Redis",
            "from rq import Queue, Worker",
            "conn = Redis.from_url(sys.argv[1])",
            "w = Worker([Queue('reports', connection=conn)], connection=conn, name='pod-a')",
            "w.register_birth()",
            "for _ in range(2):",
            "    job, queue = w.dequeue_job_and_maintain_ttl(1)",
            "    w.prepare_execution(job)",
            "assert conn.llen('rq:queue:reports:intermediate') == 2"),
        redis.uri());
    Counts own = counts(python, "rq", "reports").read();
    assertThat(own.inFlight()).as("RQ's started registry").isEqualTo(2);
    assertThat(own.waiting()).isEqualTo(TASKS - 2);
    Counts read = swell(new QueueRef(QueueType.RQ, List.of("reports"), null, null));
    assertThat(read.inFlight()).as("Swell's count in flight, with RQ's").isEqualTo(own.inFlight());
    assertThat(read.waiting()).isEqualTo(own.waiting());
  }

  @Test
  void celeryBacklogAndInFlightAreWhatCeleryReports() throws Exception {
    Path python = python();
    enqueue(python, "celery", CELERY_TASK_SECONDS);
    celeryWorkers(python, "reports");
    agreeUntilDrained(
        counts(python, "celery", "reports"),
        new QueueRef(QueueType.Celery, List.of("reports"), null, null),
        false);
  }

  /**
   * Workers that listen to two queues, one of them also holding tasks no worker takes from: Swell
   * sums the configured queues only, as RQ does, and attributes the busy workers whichever queue
   * their job came from.
   */
  @Test
  void rqWithSeveralQueuesIsWhatRqReports() throws Exception {
    Path python = python();
    enqueue(python, "rq", "reports", 4, TASK_SECONDS);
    enqueue(python, "rq", "mail", 4, TASK_SECONDS);
    enqueue(python, "rq", "other", 2, TASK_SECONDS);
    rqWorkers(python, "reports", "mail");
    agreeUntilDrained(
        counts(python, "rq", "reports", "mail"),
        new QueueRef(QueueType.RQ, List.of("reports", "mail"), null, null),
        true);
    assertThat(swell(new QueueRef(QueueType.RQ, List.of("other"), null, null)).waiting())
        .as("the queue no worker listens to")
        .isEqualTo(2);
  }

  /**
   * Two Celery queues, tasks with a priority among them: kombu's Redis transport keeps those in a
   * list per priority step ({@code mail\x06\x169}), which Swell counts with the queue, as kombu's
   * own queue size does.
   */
  @Test
  void celeryWithSeveralQueuesAndPrioritiesIsWhatCeleryReports() throws Exception {
    Path python = python();
    enqueue(python, "celery", "reports", 3, CELERY_TASK_SECONDS);
    enqueue(python, "celery", "mail", 3, CELERY_TASK_SECONDS, "9");
    RedisClient client = RedisClient.create(redis.uri());
    try (var c = client.connect()) {
      assertThat(c.sync().llen("mail" + (char) 6 + (char) 22 + "9"))
          .as("kombu's list of priority 9 tasks")
          .isEqualTo(3);
    } finally {
      client.shutdown();
    }
    celeryWorkers(python, "reports", "mail");
    agreeUntilDrained(
        counts(python, "celery", "reports", "mail"),
        new QueueRef(QueueType.Celery, List.of("reports", "mail"), null, null),
        false);
  }

  /**
   * kombu's priority steps configured to every value 0 to 9 (Celery's broker_transport_options):
   * tasks of priority 5 wait in {@code mail\x06\x165}, a list the default steps never make; Swell
   * counts it with no setting of its own.
   */
  @Test
  void celeryWithConfiguredPriorityStepsIsWhatCeleryReports() throws Exception {
    celeryEnv = Map.of("SWELL_CELERY_PRIORITY_STEPS", "0,1,2,3,4,5,6,7,8,9");
    Path python = python();
    enqueue(python, "celery", "mail", TASKS, CELERY_TASK_SECONDS, "5");
    RedisClient client = RedisClient.create(redis.uri());
    try (var c = client.connect()) {
      assertThat(c.sync().llen("mail" + (char) 6 + (char) 22 + "5"))
          .as("kombu's list of priority 5 tasks")
          .isEqualTo(TASKS);
    } finally {
      client.shutdown();
    }
    celeryWorkers(python, "mail");
    agreeUntilDrained(
        counts(python, "celery", "mail"),
        new QueueRef(QueueType.Celery, List.of("mail"), null, null),
        false);
  }

  @Test
  void bullmqBacklogInFlightAndBusyPodsAreWhatBullmqReports() throws Exception {
    Path node = FRAMEWORKS.resolve("node");
    String script = node.resolve("swell-bullmq.mjs").toString();
    run(
        "node",
        script,
        "enqueue",
        redis.uri(),
        "reports",
        "" + TASKS,
        "" + (long) (TASK_SECONDS * 1000));
    for (String pod : PODS) {
      spawn(pod, Map.of(), "node", script, "worker", redis.uri(), "reports", pod);
    }
    Probe bullmq = probe(Map.of(), "node", script, "counts", redis.uri(), "reports");
    agreeUntilDrained(bullmq, new QueueRef(QueueType.BullMQ, List.of("reports"), null, null), true);
  }

  @Test
  void streamsLagPendingAndConsumersAreWhatRedisReports() throws Exception {
    RedisClient client = RedisClient.create(redis.uri());
    try (var c = client.connect()) {
      RedisCommands<String, String> r = c.sync();
      for (int i = 0; i < 10; i++) {
        r.xadd("orders", Map.of("n", "" + i));
      }
      r.xgroupCreate(XReadArgs.StreamOffset.from("orders", "0"), "billing");
      read(r, "pod-a", 3);
      read(r, "pod-b", 2);
      read(r, "gone-pod", 1);
      var mine = r.xpending("orders", "billing", Range.create("-", "+"), Limit.from(10));
      r.xack(
          "orders",
          "billing",
          mine.stream()
              .filter(m -> m.getConsumer().equals("pod-a"))
              .findFirst()
              .orElseThrow()
              .getId());
      Backlog b =
          swell
              .read(
                  endpoint(),
                  new QueueRef(QueueType.Streams, List.of("orders"), "billing", null),
                  PODS)
              .toCompletableFuture()
              .get(5, TimeUnit.SECONDS);
      var summary = r.xpending("orders", "billing");
      assertThat(b.waiting()).as("the group's lag: 10 entries, 6 delivered").isEqualTo(4);
      assertThat(b.inFlightByPod()).isEqualTo(Map.of("pod-a", 2L, "pod-b", 2L));
      assertThat(b.inFlight() + b.stranded()).as("XPENDING's count").isEqualTo(summary.getCount());
      assertThat(b.stranded()).as("pending at a consumer that is no pod").isEqualTo(1);
      assertThat(b.processed()).as("delivered and acknowledged").isEqualTo(1);
      Backlog noGroup =
          swell
              .read(
                  endpoint(),
                  new QueueRef(QueueType.Streams, List.of("orders"), "other", null),
                  PODS)
              .toCompletableFuture()
              .get(5, TimeUnit.SECONDS);
      assertThat(noGroup.waiting()).as("a group not made yet: every entry waits").isEqualTo(10);
      Backlog noStream =
          swell
              .read(
                  endpoint(),
                  new QueueRef(QueueType.Streams, List.of("none"), "billing", null),
                  PODS)
              .toCompletableFuture()
              .get(5, TimeUnit.SECONDS);
      assertThat(noStream.backlog()).isZero();
    } finally {
      client.shutdown();
    }
  }

  static void read(RedisCommands<String, String> r, String consumer, int count) {
    r.xreadgroup(
        Consumer.from("billing", consumer),
        XReadArgs.Builder.count(count),
        XReadArgs.StreamOffset.lastConsumed("orders"));
  }
}
