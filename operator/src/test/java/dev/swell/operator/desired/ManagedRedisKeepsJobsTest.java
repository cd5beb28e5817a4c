package dev.swell.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.swell.operator.Fixtures;
import dev.swell.operator.api.ManagedRedis;
import dev.swell.operator.api.ScalableService;
import dev.swell.sample.Config;
import dev.swell.sample.Jobs;
import dev.swell.sample.Keys;
import dev.swell.sample.Redis;
import dev.swell.sample.Worker;
import dev.swell.testkit.RedisServer;
import io.lettuce.core.RedisCommandExecutionException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The managed Redis, run with the arguments the operator gives it, on a real redis-server, with the
 * sample app's own job and cache writes: a cache that fills memory never evicts a job, a Redis full
 * of jobs refuses the next one whole, and a Redis killed with SIGKILL comes back with its jobs.
 */
class ManagedRedisKeepsJobsTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static final Keys KEYS = new Keys("jobs");

  RedisServer server;
  Redis app;

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /** The operator's Redis arguments for a service with this maxMemory, on the kit's directory. */
  static List<String> operatorArgs(String maxMemory) {
    ScalableService s =
        Fixtures.service(
            "image: app\nredis: {mode: Managed, managed: {maxMemory: " + maxMemory + "}}\n");
    List<String> args =
        new ArrayList<>(
            RedisResources.deployment(s, ManagedRedis.DEFAULT_IMAGE)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getArgs());
    assertThat(args.remove(0)).as("the config file (the password)").endsWith("redis.conf");
    int dir = args.indexOf("--dir");
    args.remove(dir + 1);
    args.remove(dir); // the kit's own directory, which survives its restart
    return args;
  }

  void start(String maxMemory) {
    server = RedisServer.withArgs(operatorArgs(maxMemory)).start();
    app = new Redis(server.uri(), null);
  }

  String push(String payload) throws Exception {
    return new Jobs(app, KEYS)
        .push(JSON.readTree("{\"payload\":" + JSON.writeValueAsString(payload) + "}"));
  }

  /** The sample's cache write: a product entry with its TTL (ProductCache). */
  void cache(long product, int bytes) {
    app.commands().setex(Keys.product(product), 300, "x".repeat(bytes));
  }

  @Test
  void aCacheFillingMemoryEvictsCacheEntriesAndNoJob() throws Exception {
    start("8Mi");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      ids.add(push("job-" + i));
    }
    for (long p = 0; p < 8_000; p++) {
      cache(p, 4_096); // 32 MiB of cache into 8 MiB
    }
    var r = app.commands();
    assertThat(r.info("stats")).as("the cache was evicted").containsPattern("evicted_keys:[1-9]");
    assertThat(r.llen(KEYS.queue())).as("queued jobs").isEqualTo(2_000);
    for (String id : ids) {
      assertThat(r.hget(KEYS.job(id), "status")).as("status of %s", id).isEqualTo("queued");
    }
  }

  @Test
  void aCacheFillingMemoryWhileWorkersRunTakesNoLiveWorkersJob() throws Exception {
    // volatile-ttl evicts the soonest to expire first: a heartbeat with a TTL would go before any
    // cache entry, and the running workers would take each other's batches back and run them again
    start("8Mi");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      ids.add(
          new Jobs(app, KEYS).push(JSON.readTree("{\"payload\":" + i + ",\"workMillis\":1000}")));
    }
    AtomicBoolean filling = new AtomicBoolean(true);
    List<String> requeued = new ArrayList<>();
    Thread filler =
        Thread.ofPlatform()
            .start(
                () -> {
                  // nothing but a recovery puts an item back: the queue only ever shrinks here
                  long before = Long.MAX_VALUE;
                  for (long p = 0; filling.get(); p++) {
                    cache(p, 4_096); // 8 MiB is full after about 2,000 entries
                    if (p % 200 == 199) {
                      long waiting = app.commands().llen(KEYS.queue());
                      if (waiting > before) {
                        requeued.add(before + " -> " + waiting);
                      }
                      before = waiting;
                      sleep(20);
                    }
                  }
                });
    List<Worker> workers = new ArrayList<>();
    List<Thread> loops = new ArrayList<>();
    try {
      for (String pod : List.of("w-a", "w-b")) {
        Worker w =
            new Worker(
                Config.from(
                    Map.of(
                        "REDIS_URL",
                        server.uri(),
                        "QUEUE_KEY",
                        KEYS.queue(),
                        "POD_NAME",
                        pod,
                        "SWELL_COMPONENT",
                        "worker",
                        "WORKER_BATCH_SIZE",
                        "4")),
                app,
                new SimpleMeterRegistry());
        workers.add(w);
        loops.add(Thread.ofPlatform().start(w::run));
      }
      var r = app.commands();
      await("every job done, past two rounds of recovery (every 10 s)")
          .atMost(Duration.ofSeconds(60))
          .until(() -> "24".equals(r.get(KEYS.processed())));
      filling.set(false);
      filler.join(5_000);
      assertThat(r.info("stats")).as("the cache was evicted").containsPattern("evicted_keys:[1-9]");
      assertThat(requeued).as("the queue grew back (items of a live worker returned)").isEmpty();
      for (String id : ids) {
        Map<String, String> job = r.hgetall(KEYS.job(id));
        assertThat(job.get("status")).as("status of %s", id).isEqualTo("done");
        assertThat(job.get("runs"))
            .as("runs of %s (taken back from a live worker)", id)
            .isEqualTo("1");
        assertThat(job.get("completions")).as("completions of %s", id).isEqualTo("1");
      }
    } finally {
      filling.set(false);
      for (Worker w : workers) {
        w.stop(Duration.ofSeconds(5));
        w.close();
      }
      for (Thread t : loops) {
        t.join(5_000);
      }
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aRedisFullOfJobsRefusesTheNextJobWholeAndKeepsTheOthers() throws Exception {
    start("4Mi");
    String big = "y".repeat(64 * 1024);
    int pushed = 0;
    RuntimeException refused = null;
    while (refused == null && pushed < 1_000) {
      try {
        push(big);
        pushed++;
      } catch (RedisCommandExecutionException e) {
        refused = e;
      }
    }
    assertThat(refused).as("Redis refused a job once full").isNotNull();
    assertThat(refused.getMessage()).contains("OOM");
    var r = app.commands();
    assertThat(r.llen(KEYS.queue())).as("every accepted job is still queued").isEqualTo(pushed);
    assertThat(r.keys(KEYS.job("*"))).as("no status without its queued item").hasSize(pushed);
    assertThatThrownBy(() -> push(big)).isInstanceOf(RedisCommandExecutionException.class);
  }

  @Test
  void aRedisKilledWithSigkillComesBackWithItsQueuedJobs() throws Exception {
    start("64Mi");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      ids.add(push("job-" + i));
    }
    Thread.sleep(1_500); // appendfsync everysec: what a second has seen is on disk
    app.close();
    server.stop(); // SIGKILL, like an OOM kill
    server.start();
    app = new Redis(server.uri(), null);
    var r = app.commands();
    assertThat(r.llen(KEYS.queue())).isEqualTo(500);
    assertThat(r.hget(KEYS.job(ids.get(0)), "status")).isEqualTo("queued");
    assertThat(r.hget(KEYS.job(ids.get(499)), "status")).isEqualTo("queued");
  }
}
