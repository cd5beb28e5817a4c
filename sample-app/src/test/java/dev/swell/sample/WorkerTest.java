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
    return Config.from(
        Map.of(
            "REDIS_URL",
            REDIS.uri(),
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
    r.setex("q-strand:worker:live-pod", 30, "alive");
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
}
