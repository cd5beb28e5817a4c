package dev.swell.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.testkit.RedisServer;
import io.lettuce.core.LMoveArgs;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worker's queue contract against a real redis-server. */
class WorkerTest {

  static final RedisServer REDIS = RedisServer.plain();
  static Redis redis;
  static RedisCommands<String, String> r;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() {
    REDIS.start();
    redis = new Redis(REDIS.uri(), null);
    r = redis.commands();
  }

  @AfterAll
  static void stop() {
    redis.close();
    REDIS.stop();
  }

  static Config config(String queue, String pod) {
    return config(REDIS.uri(), queue, pod);
  }

  static Config config(String uri, String queue, String pod) {
    return Config.from(
        Map.of(
            "REDIS_URL",
            uri,
            "QUEUE_KEY",
            queue,
            "POD_NAME",
            pod,
            "SWELL_COMPONENT",
            "worker",
            "WORKER_IO_MILLIS",
            "1"));
  }

  /** Runs a worker until the queue and its processing list are empty. */
  static void drain(String queue, String pod) throws Exception {
    Worker worker =
        new Worker(
            config(queue, pod), redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    Thread t = Thread.ofVirtual().start(worker::run);
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> r.llen(queue) == 0 && r.llen(queue + ":processing:" + pod) == 0);
    } finally {
      worker.stop(Duration.ofSeconds(5));
      t.join(5000);
      worker.close();
    }
  }

  static String push(String queue, String json) throws Exception {
    String id = new Jobs(redis, new Keys(queue)).push(JSON.readTree(json));
    return id;
  }

  @Test
  void jobsAreDoneCountedAndLeaveNothingInFlight() throws Exception {
    for (int i = 0; i < 25; i++) {
      push("q-ok", "{\"payload\":" + i + "}");
    }
    drain("q-ok", "w1");
    assertThat(r.get("q-ok:processed")).isEqualTo("25");
    assertThat(r.keys("q-ok:job:*"))
        .allSatisfy(k -> assertThat(r.hget(k, "status")).isEqualTo("done"));
  }

  @Test
  void aFailingJobIsRetriedThenParkedInTheDeadList() throws Exception {
    String id = push("q-fail", "{\"payload\":1,\"fail\":true}");
    drain("q-fail", "w1");
    assertThat(r.hget("q-fail:job:" + id, "status")).isEqualTo("failed");
    assertThat(r.hget("q-fail:job:" + id, "attempts")).isEqualTo("3");
    assertThat(r.lrange("q-fail:dead", 0, -1))
        .singleElement()
        .asString()
        .contains(id, "job asked to fail");
    assertThat(r.get("q-fail:processed")).isNull();
  }

  @Test
  void itemsWithoutAStringIdOrNotJsonAreDeadLetteredNeverDropped() throws Exception {
    // pushed by hand or by another producer: none may be dropped, none may share a status
    r.lpush(
        "q-noid", "{\"payload\":1}", "{\"payload\":2}", "{\"id\":7,\"payload\":3}", "oops", "[1]");
    drain("q-noid", "w1");
    assertThat(r.lrange("q-noid:dead", 0, -1))
        .hasSize(5)
        .anySatisfy(d -> assertThat(d).contains("no string \\\"id\\\"", "payload\\\":2"))
        .anySatisfy(d -> assertThat(d).contains("not a JSON object", "oops"));
    assertThat(r.get("q-noid:processed")).isNull();
    assertThat(r.keys("q-noid:job:*")).isEmpty();
  }

  @Test
  void aRedisOutageWithABatchInHandIsRiddenOutAndTheWorkerSaysItCannotWork() throws Exception {
    RedisServer flaky = RedisServer.plain().start();
    Redis client = new Redis(flaky.uri(), null);
    Jobs jobs = new Jobs(client, new Keys("q-outage"));
    for (int i = 0; i < 3; i++) {
      jobs.push(JSON.readTree("{\"payload\":" + i + ",\"workMillis\":800}"));
    }
    Worker worker =
        new Worker(
            config(flaky.uri(), "q-outage", "w-out"),
            client,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    Thread t = Thread.ofVirtual().start(worker::run);
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> client.commands().llen("q-outage:processing:w-out") > 0);
      flaky.stop(); // killed with the batch in hand
      await("not ready while Redis is gone")
          .atMost(Duration.ofSeconds(15))
          .until(() -> !worker.ready());
      assertThat(worker.healthy()).as("alive: a restart would not help").isTrue();
      flaky.start(); // back, empty (no persistence here)
      String id =
          await("the api's connection is back")
              .atMost(Duration.ofSeconds(30))
              .ignoreExceptions()
              .until(() -> jobs.push(JSON.readTree("{\"payload\":9}")), pushed -> pushed != null);
      await("the loop goes on after the outage")
          .atMost(Duration.ofSeconds(30))
          .until(() -> "done".equals(client.commands().hget("q-outage:job:" + id, "status")));
      await().atMost(Duration.ofSeconds(5)).until(worker::ready);
      assertThat(t.isAlive()).isTrue();
    } finally {
      worker.stop(Duration.ofSeconds(5));
      t.join(5000);
      worker.close();
      client.close();
      flaky.stop();
    }
  }

  @Test
  void itemsOfAWorkerThatDiedAreReturnedWhileOthersRunNotOnlyAtTheirStart() throws Exception {
    Worker w =
        new Worker(
            config("q-live", "w-live"),
            redis,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    Thread t = Thread.ofVirtual().start(w::run);
    try {
      await().atMost(Duration.ofSeconds(5)).until(() -> r.sismember("q-live:consumers", "w-live"));
      // a worker killed after the others started: its items and its registration stay behind
      String id = push("q-stranded-src", "{\"payload\":1}");
      r.lmove("q-stranded-src", "q-live:processing:killed", LMoveArgs.Builder.rightLeft());
      r.rename("q-stranded-src:job:" + id, "q-live:job:" + id);
      r.sadd("q-live:consumers", "killed");
      await("returned and done by the running worker")
          .atMost(Duration.ofSeconds(30))
          .until(() -> "done".equals(r.hget("q-live:job:" + id, "status")));
      assertThat(r.sismember("q-live:consumers", "killed")).isFalse();
      assertThat(r.llen("q-live:processing:killed")).isZero();
    } finally {
      w.stop(Duration.ofSeconds(5));
      t.join(5000);
      w.close();
    }
    assertThat(r.sismember("q-live:consumers", "w-live"))
        .as("a worker that stops with nothing in hand leaves the set")
        .isFalse();
  }

  @Test
  void aJobTwoWorkersRunAtOnceIsCompletedOnce() throws Exception {
    // a job pushed twice and taken by two workers at once: the claim by id lets one run it
    String id = push("q-twice", "{\"payload\":1,\"workMillis\":600}");
    r.lpush("q-twice", r.lindex("q-twice", 0));
    Map<String, String> one = Map.of("WORKER_BATCH_SIZE", "1");
    List<Worker> workers = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (String pod : List.of("w-a", "w-b")) {
      Map<String, String> env =
          new HashMap<>(
              Map.of(
                  "REDIS_URL",
                  REDIS.uri(),
                  "QUEUE_KEY",
                  "q-twice",
                  "POD_NAME",
                  pod,
                  "SWELL_COMPONENT",
                  "worker"));
      env.putAll(one);
      Worker w =
          new Worker(
              Config.from(env), redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
      workers.add(w);
      threads.add(Thread.ofVirtual().start(w::run));
    }
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  r.llen("q-twice") == 0
                      && r.llen("q-twice:processing:w-a") == 0
                      && r.llen("q-twice:processing:w-b") == 0);
    } finally {
      for (Worker w : workers) {
        w.stop(Duration.ofSeconds(5));
        w.close();
      }
      for (Thread t : threads) {
        t.join(5000);
      }
    }
    assertThat(r.hget("q-twice:job:" + id, "status")).isEqualTo("done");
    assertThat(r.hget("q-twice:job:" + id, "completions")).isEqualTo("1");
    assertThat(r.hget("q-twice:job:" + id, "runs")).as("runs").isEqualTo("1");
    assertThat(r.get("q-twice:processed")).isEqualTo("1");
  }

  @Test
  void aJobAlreadyDoneIsNotDoneAgain() throws Exception {
    String id = push("q-once", "{\"payload\":1}");
    drain("q-once", "w1");
    // the same item delivered again (a crash after completing, before acknowledging)
    r.lpush("q-once", "{\"id\":\"" + id + "\",\"payload\":1}");
    drain("q-once", "w1");
    assertThat(r.hget("q-once:job:" + id, "completions")).isEqualTo("1");
    assertThat(r.get("q-once:processed")).isEqualTo("1");
  }

  @Test
  void itemsStrandedByAWorkerThatIsGoneAreReturnedToTheQueue() throws Exception {
    String id = push("q-strand", "{\"payload\":1}");
    r.lmove("q-strand", "q-strand:processing:dead-pod", LMoveArgs.Builder.rightLeft());
    r.lpush("q-strand:processing:live-pod", "{\"id\":\"someone-elses\",\"payload\":2}");
    r.hset("q-strand:heartbeats", "live-pod", String.valueOf(redisMillis()));
    r.hset("q-strand:heartbeats", "dead-pod", String.valueOf(redisMillis() - 11_000));
    Worker w =
        new Worker(
            config("q-strand", "w2"), redis, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    assertThat(w.recoverStranded()).isEqualTo(1);
    w.close();
    assertThat(r.llen("q-strand:processing:dead-pod")).isZero();
    assertThat(r.llen("q-strand:processing:live-pod"))
        .as("a live worker's items stay")
        .isEqualTo(1);
    assertThat(r.lrange("q-strand", 0, -1)).singleElement().asString().contains(id);
  }

  /** Redis' own clock, in ms: the one heartbeats are stamped with. */
  static long redisMillis() {
    List<String> t = r.time();
    return Long.parseLong(t.get(0)) * 1000 + Long.parseLong(t.get(1)) / 1000;
  }
}
