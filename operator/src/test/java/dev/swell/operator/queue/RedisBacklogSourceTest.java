package dev.swell.operator.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.api.QueueType;
import dev.swell.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The backlog source against a real redis-server. */
class RedisBacklogSourceTest {

  static final RedisServer REDIS = RedisServer.withPassword("s3cret");
  static RedisClient admin;
  static StatefulRedisConnection<String, String> adminConnection;
  static RedisCommands<String, String> redis;
  static RedisConnection endpoint;

  @BeforeAll
  static void start() {
    REDIS.start();
    endpoint = new RedisConnection(REDIS.uri(), "s3cret");
    admin = RedisClient.create("redis://:s3cret@127.0.0.1:" + REDIS.port() + "/0");
    adminConnection = admin.connect();
    redis = adminConnection.sync();
  }

  @AfterAll
  static void stop() {
    adminConnection.close();
    admin.shutdown();
    REDIS.stop();
  }

  static Backlog read(QueueBacklogSource source, String key, List<String> pods) throws Exception {
    return source
        .read(endpoint, QueueRef.list(key), pods)
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
  }

  @Test
  void readsWaitingInFlightPerPodAndTheProcessedCounter() throws Exception {
    redis.rpush("jobs", "a", "b", "c");
    redis.rpush("jobs:processing:worker-1", "d", "e");
    redis.rpush("jobs:processing:worker-2", "f");
    redis.set("jobs:processed", "41");
    try (RedisBacklogSource source =
        new RedisBacklogSource(Duration.ofMillis(500), Duration.ofSeconds(5))) {
      Backlog b = read(source, "jobs", List.of("worker-1", "worker-2", "worker-3"));
      assertThat(b.waiting()).isEqualTo(3);
      assertThat(b.inFlight()).isEqualTo(3);
      assertThat(b.inFlightByPod())
          .containsExactlyInAnyOrderEntriesOf(Map.of("worker-1", 2L, "worker-2", 1L));
      assertThat(b.processed()).isEqualTo(41);
    }
  }

  @Test
  void anEmptyQueueReadsAsZero() throws Exception {
    try (RedisBacklogSource source =
        new RedisBacklogSource(Duration.ofMillis(500), Duration.ofSeconds(5))) {
      Backlog b = read(source, "nothing-here", List.of());
      assertThat(b.waiting()).isZero();
      assertThat(b.inFlight()).isZero();
      assertThat(b.processed()).isZero();
    }
  }

  @Test
  void onePollIsOneCommandOnTheServerNamingTheScriptByItsDigest() throws Exception {
    try (RedisBacklogSource source =
        new RedisBacklogSource(Duration.ofMillis(500), Duration.ofSeconds(5))) {
      read(source, "rt", List.of("a", "b", "c", "d"));
      String before = redis.info("commandstats");
      read(source, "rt", List.of("a", "b", "c", "d"));
      String after = redis.info("commandstats");
      assertThat(calls(after, "evalsha") - calls(before, "evalsha"))
          .as("one EVALSHA per poll:\n" + after)
          .isEqualTo(1);
      assertThat(calls(after, "eval") - calls(before, "eval"))
          .as("the script's text is not sent again")
          .isZero();
      assertThat(calls(after, "llen") - calls(before, "llen"))
          .as("five LLENs inside the script")
          .isEqualTo(5);
    }
  }

  @Test
  void aRedisThatForgotTheScriptIsSentItOnceAndReadsGoOn() throws Exception {
    redis.rpush("forgotten", "a", "b");
    try (RedisBacklogSource source =
        new RedisBacklogSource(Duration.ofMillis(500), Duration.ofSeconds(5))) {
      read(source, "forgotten", List.of());
      redis.scriptFlush(); // as a restarted or failed-over Redis has no script cached
      String before = redis.info("commandstats");
      assertThat(read(source, "forgotten", List.of()).waiting()).isEqualTo(2);
      assertThat(read(source, "forgotten", List.of()).waiting()).isEqualTo(2);
      String after = redis.info("commandstats");
      assertThat(calls(after, "eval") - calls(before, "eval"))
          .as("the text once, after NOSCRIPT:\n" + after)
          .isEqualTo(1);
      assertThat(calls(after, "evalsha") - calls(before, "evalsha")).isEqualTo(2);
    }
  }

  @Test
  void servicesOnTheSameEndpointShareOneConnection() throws Exception {
    try (RedisBacklogSource source =
        new RedisBacklogSource(Duration.ofMillis(500), Duration.ofSeconds(5))) {
      long clientsBefore = clients();
      read(source, "shop-jobs", List.of());
      read(source, "orders-jobs", List.of());
      read(source, "mail-jobs", List.of());
      assertThat(source.connectionCount()).isEqualTo(1);
      assertThat(clients() - clientsBefore).isEqualTo(1);
      source.release(endpoint);
      await().atMost(Duration.ofSeconds(5)).until(() -> clients() == clientsBefore);
    }
  }

  @Test
  void aFrameworkKeyOfTheWrongTypeFailsTheReadSayingSoForEveryQueueType() {
    redis.set("not-a-list", "x");
    redis.set("rq:queue:not-a-list", "x");
    redis.set("bull:not-a-list:wait", "x");
    redis.set("queue:not-a-list", "x");
    try (RedisBacklogSource source =
        new RedisBacklogSource(Duration.ofMillis(500), Duration.ofSeconds(5))) {
      for (QueueRef q :
          List.of(
              QueueRef.list("not-a-list"),
              new QueueRef(QueueType.Streams, List.of("not-a-list"), "g", null),
              new QueueRef(QueueType.RQ, List.of("not-a-list"), null, null),
              new QueueRef(QueueType.Celery, List.of("not-a-list"), null, null),
              new QueueRef(QueueType.BullMQ, List.of("not-a-list"), null, null),
              new QueueRef(QueueType.Sidekiq, List.of("not-a-list"), null, null))) {
        assertThatThrownBy(
                () ->
                    source
                        .read(endpoint, q, List.of("a"))
                        .toCompletableFuture()
                        .get(5, TimeUnit.SECONDS))
            .as(q.type().name())
            .rootCause()
            .hasMessageContaining("WRONGTYPE");
      }
    }
  }

  @Test
  void aWrongPasswordFailsTheRead() {
    try (RedisBacklogSource source =
        new RedisBacklogSource(Duration.ofMillis(500), Duration.ofSeconds(5))) {
      assertThatThrownBy(
              () ->
                  source
                      .read(
                          new RedisConnection(REDIS.uri(), "wrong"),
                          QueueRef.list("jobs"),
                          List.of())
                      .toCompletableFuture()
                      .get(5, TimeUnit.SECONDS))
          .hasRootCauseMessage("WRONGPASS invalid username-password pair or user is disabled.");
    }
  }

  @Test
  void aStoppedServerFailsFastAndTheSourceRecoversWhenItReturns() throws Exception {
    RedisServer flaky = RedisServer.plain().start();
    RedisConnection flakyEndpoint = new RedisConnection(flaky.uri(), null);
    try (RedisBacklogSource source =
        new RedisBacklogSource(Duration.ofMillis(300), Duration.ofSeconds(5))) {
      assertThat(
              source
                  .read(flakyEndpoint, QueueRef.list("q"), List.of())
                  .toCompletableFuture()
                  .get(5, TimeUnit.SECONDS)
                  .waiting())
          .isZero();
      flaky.stop();
      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  source
                      .read(flakyEndpoint, QueueRef.list("q"), List.of())
                      .toCompletableFuture()
                      .get(5, TimeUnit.SECONDS))
          .isNotNull();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("bounded by the timeout, never hung")
          .isLessThan(Duration.ofSeconds(3));
      flaky.start();
      await()
          .atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () ->
                  assertThat(
                          source
                              .read(flakyEndpoint, QueueRef.list("q"), List.of())
                              .toCompletableFuture()
                              .get(2, TimeUnit.SECONDS)
                              .waiting())
                      .isZero());
    } finally {
      flaky.stop();
    }
  }

  @Test
  void aReadLateBehindOthersOnAnAnsweringEndpointIsWaitedForNotFailed() throws Exception {
    // 1,000 reads of a queue with 2,000 consumers that are gone (the script counts each one's
    // list): Redis answers them one after the other for longer than the timeout; each answer
    // shows the endpoint is there, so the last reads are late, not lost
    redis.sadd(
        QueueBacklogSource.consumers("late"),
        IntStream.range(0, 2_000).mapToObj(i -> "gone-" + i).toArray(String[]::new));
    try (RedisBacklogSource source =
        new RedisBacklogSource(Duration.ofMillis(300), Duration.ofSeconds(30))) {
      read(source, "late", List.of());
      long start = System.nanoTime();
      List<CompletableFuture<Backlog>> reads =
          IntStream.range(0, 1_000)
              .mapToObj(
                  i ->
                      source.read(endpoint, QueueRef.list("late"), List.of()).toCompletableFuture())
              .toList();
      CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      Duration all = Duration.ofNanos(System.nanoTime() - start);
      assertThat(all)
          .as("the last read waited well past the timeout (else this test shows nothing)")
          .isGreaterThan(Duration.ofMillis(600));
      assertThat(reads).allSatisfy(r -> assertThat(r.join().waiting()).isZero());
    }
  }

  @Test
  void aStalledEndpointFailsTheReadWithinAboutTheTimeoutThoughPatienceIsLonger() throws Exception {
    try (RedisBacklogSource source =
        new RedisBacklogSource(Duration.ofMillis(300), Duration.ofSeconds(30))) {
      read(source, "stalled", List.of());
      // another client's script holds Redis for 3 s: nothing answers on any connection
      CompletableFuture<Object> spin =
          adminConnection
              .async()
              .eval(
                  "local t = redis.call('TIME'); local deadline = t[1] * 1000000 + t[2] + 3000000;"
                      + " repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] > deadline;"
                      + " return 1",
                  ScriptOutputType.INTEGER)
              .toCompletableFuture();
      Thread.sleep(100);
      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  source
                      .read(endpoint, QueueRef.list("stalled"), List.of())
                      .toCompletableFuture()
                      .get(10, TimeUnit.SECONDS))
          .rootCause()
          .hasMessageContaining("answered nothing in 300 ms");
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("told by the timeout, not the patience, and before Redis answers again")
          .isLessThan(Duration.ofMillis(2_000));
      spin.get(10, TimeUnit.SECONDS);
      assertThat(read(source, "stalled", List.of()).waiting()).as("answers again").isZero();
    }
  }

  private static long clients() {
    return redis.clientList().lines().count();
  }

  private static long calls(String commandStats, String command) {
    return commandStats
        .lines()
        .filter(l -> l.startsWith("cmdstat_" + command + ":"))
        .findFirst()
        .map(l -> Long.parseLong(l.replaceAll("^cmdstat_[a-z_]+:calls=(\\d+),.*$", "$1")))
        .orElse(0L);
  }
}
