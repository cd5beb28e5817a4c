package dev.swell.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.LMoveArgs;
import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reliable queue consumer. Items move atomically from the queue to this pod's processing list
 * (BLMOVE/LMOVE) and leave it only when done, so a crash loses nothing: the next worker to start
 * returns the lists of workers whose heartbeat has expired to the queue. Batches: up to N items, or
 * what arrived within T ms. A failing job is retried with backoff, then parked in the dead list.
 * Completion is idempotent by job id. SIGTERM: no new batch; the one in hand is finished.
 */
public final class Worker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Duration HEARTBEAT_TTL = Duration.ofSeconds(10);
  static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(3);

  private final Config config;
  private final Keys keys;
  private final Redis redis;
  // the worker thread's own connection: BLMOVE blocks it, and MULTI/EXEC must not interleave with
  // the heartbeat, which uses the shared one
  private final StatefulRedisConnection<String, String> own;
  private final ScheduledExecutorService heartbeat =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("heartbeat").factory());
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Counter done;
  private final Counter failed;
  private final Counter retried;
  private final Timer batches;
  private volatile boolean running = true;

  /** The loop ended on an error it could not ride out: the pod should be restarted. */
  private volatile boolean crashed;

  /** The last Redis operation failed: the worker cannot work until Redis answers again. */
  private volatile boolean redisDown;

  /** A batch failed half-way: its items are still in this worker's processing list. */
  private boolean resume;

  public Worker(Config config, Redis redis, MeterRegistry registry) {
    this.config = config;
    this.keys = new Keys(config.queueKey());
    this.redis = redis;
    this.own = redis.dedicated(Duration.ofMillis(config.batchWaitMillis()).plusSeconds(2));
    this.done = Counter.builder("jobs_processed").description("jobs completed").register(registry);
    this.failed =
        Counter.builder("jobs_dead").description("jobs parked in the dead list").register(registry);
    this.retried =
        Counter.builder("jobs_retried")
            .description("failed attempts that were retried")
            .register(registry);
    this.batches =
        Timer.builder("worker_batch").description("time to process one batch").register(registry);
  }

  /** Runs until {@link #close()}; call from the thread that should do the work. */
  public void run() {
    try {
      beat();
      heartbeat.scheduleAtFixedRate(
          this::beat,
          HEARTBEAT_EVERY.toMillis(),
          HEARTBEAT_EVERY.toMillis(),
          TimeUnit.MILLISECONDS);
      int recovered = recoverStranded();
      redis.commands().sadd(keys.consumers(), config.podName());
      // a worker that dies while others run leaves items behind: they go back within a TTL or two
      heartbeat.scheduleAtFixedRate(
          this::recoverStrandedQuietly,
          HEARTBEAT_TTL.toMillis(),
          HEARTBEAT_TTL.toMillis(),
          TimeUnit.MILLISECONDS);
      log.info(
          "worker {} consuming {} (batch {} / {} ms){}",
          config.podName(),
          keys.queue(),
          config.batchSize(),
          config.batchWaitMillis(),
          recovered > 0 ? ", returned " + recovered + " stranded items" : "");
      while (running) {
        List<String> batch;
        try {
          batch =
              resume
                  ? own.sync().lrange(keys.processing(config.podName()), 0, config.batchSize() - 1)
                  : take();
        } catch (RuntimeException e) {
          redisDown = true;
          log.warn("cannot take from {}: {}", keys.queue(), e.getMessage());
          sleep(500);
          continue;
        }
        redisDown = false;
        resume = false;
        if (!batch.isEmpty()) {
          try {
            batches.record(() -> processBatch(batch));
          } catch (RuntimeException e) {
            // Redis went away with the batch in hand: its items stay in our processing list, and
            // completion is idempotent, so the batch is taken again from there once Redis answers
            redisDown = true;
            resume = true;
            log.warn(
                "batch of {} interrupted ({}); retrying when Redis answers",
                batch.size(),
                e.getMessage());
            sleep(500);
          }
        }
      }
    } catch (RuntimeException | Error e) {
      crashed = true;
      log.error("worker loop ended: {}", e.toString());
      throw e;
    } finally {
      heartbeat.shutdownNow();
      leaveConsumers();
      stopped.countDown();
    }
  }

  /** Whether the process should live: false once the loop ended on an error (liveness). */
  public boolean healthy() {
    return !crashed;
  }

  /** Whether the worker can work now: its loop runs and Redis answers (readiness). */
  public boolean ready() {
    return !crashed && !redisDown && stopped.getCount() > 0;
  }

  private List<String> take() {
    RedisCommands<String, String> b = own.sync();
    String processing = keys.processing(config.podName());
    String[] lists = {keys.queue(), processing};
    // a backlog: the whole batch in one round trip, atomically
    List<String> batch =
        new ArrayList<>(
            b.<List<String>>eval(
                TAKE, ScriptOutputType.MULTI, lists, String.valueOf(config.batchSize())));
    if (!batch.isEmpty() || !running) {
      return batch;
    }
    // an empty queue: block until the first item comes, then take what else is there
    String first =
        b.blmove(
            keys.queue(),
            processing,
            LMoveArgs.Builder.rightLeft(),
            config.batchWaitMillis() / 1000.0);
    if (first == null) {
      return batch;
    }
    batch.add(first);
    if (config.batchSize() > 1 && running) {
      batch.addAll(
          b.<List<String>>eval(
              TAKE, ScriptOutputType.MULTI, lists, String.valueOf(config.batchSize() - 1)));
    }
    return batch;
  }

  static final String TAKE =
      """
      local out = {}
      for i = 1, tonumber(ARGV[1]) do
        local v = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
        if not v then break end
        out[#out + 1] = v
      end
      return out
      """;

  /**
   * A job of the batch in hand: the raw item (what the processing list holds) and its parsed form.
   */
  private record Item(String raw, JsonNode job, String id) {}

  /**
   * One batch in a handful of round trips, whatever its size: one transaction reads the jobs'
   * status, one marks them processing, one completes, counts and acknowledges every success
   * together. Each transaction is pipelined (its commands go out in one write, without waiting for
   * QUEUED), so it costs one round trip. Only a failing job is retried on its own.
   */
  private void processBatch(List<String> raws) {
    String processing = keys.processing(config.podName());
    List<Item> items = new ArrayList<>();
    List<RedisFuture<String>> statuses = new ArrayList<>();
    transaction(
        a -> {
          for (String raw : raws) {
            JsonNode job = parse(raw);
            String unusable =
                job == null
                    ? "not a JSON object"
                    : !job.path("id").isTextual() || job.path("id").asText().isBlank()
                        ? "no string \"id\"" // its status would be shared with every such item
                        : null;
            if (unusable != null) {
              a.rpush(
                  keys.dead(),
                  JSON.createObjectNode().put("item", raw).put("error", unusable).toString());
              a.lrem(processing, 1, raw);
              failed.increment();
              continue;
            }
            items.add(new Item(raw, job, job.path("id").asText()));
            statuses.add(a.hget(keys.job(job.path("id").asText()), "status"));
          }
        });
    List<Item> todo = new ArrayList<>();
    transaction(
        a -> {
          for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            if ("done".equals(statuses.get(i).toCompletableFuture().getNow(null))) {
              a.lrem(
                  processing,
                  1,
                  item.raw()); // done before a crash, or pushed twice: acknowledge only
            } else {
              a.hset(
                  keys.job(item.id()), Map.of("status", "processing", "worker", config.podName()));
              todo.add(item);
            }
          }
        });
    List<Item> succeeded = new ArrayList<>();
    for (Item item : todo) {
      if (attempt(item, 1)) {
        succeeded.add(item);
      }
    }
    if (!succeeded.isEmpty()) {
      complete(succeeded, 1);
    }
  }

  /**
   * Completes jobs once, however often they ran: a job whose status is already done (another worker
   * finished its copy: a recovered item, a stalled worker's batch, a duplicate push) is
   * acknowledged without counting again. Execution is at least once; completion, its result and the
   * processed counter exactly once. KEYS: the processing list, the counter; ARGV: attempts, result,
   * then each job's raw item and status key.
   */
  static final String COMPLETE =
      """
      local done = 0
      for i = 4, #ARGV, 2 do
        local job = ARGV[i + 1]
        if redis.call('HGET', job, 'status') ~= 'done' then
          redis.call('HSET', job, 'status', 'done', 'attempts', ARGV[1], 'result', ARGV[2])
          redis.call('HINCRBY', job, 'completions', 1)
          redis.call('EXPIRE', job, ARGV[3])
          done = done + 1
        end
        redis.call('LREM', KEYS[1], 1, ARGV[i])
      end
      if done > 0 then redis.call('INCRBY', KEYS[2], done) end
      return done
      """;

  private void complete(List<Item> items, int attempts) {
    List<String> args =
        new ArrayList<>(
            List.of(
                String.valueOf(attempts),
                "processed by " + config.podName(),
                String.valueOf(Jobs.STATUS_TTL_SECONDS)));
    for (Item item : items) {
      args.add(item.raw());
      args.add(keys.job(item.id()));
    }
    Long counted =
        own.sync()
            .eval(
                COMPLETE,
                ScriptOutputType.INTEGER,
                new String[] {keys.processing(config.podName()), keys.processed()},
                args.toArray(String[]::new));
    done.increment(counted);
  }

  /**
   * MULTI, the commands, EXEC, written to this worker's connection in one flush (a write per
   * command would hand each to the network thread on its own); waits for EXEC.
   */
  private TransactionResult transaction(Consumer<RedisAsyncCommands<String, String>> commands) {
    RedisAsyncCommands<String, String> a = own.async();
    RedisFuture<TransactionResult> exec;
    own.setAutoFlushCommands(false); // only this thread uses the connection
    try {
      a.multi();
      commands.accept(a);
      exec = a.exec();
    } finally {
      own.flushCommands();
      own.setAutoFlushCommands(true);
    }
    TransactionResult result =
        LettuceFutures.awaitOrCancel(exec, own.getTimeout().toMillis(), TimeUnit.MILLISECONDS);
    if (result.wasDiscarded()) {
      throw new IllegalStateException("transaction discarded");
    }
    return result;
  }

  /**
   * Runs a job; on failure retries it alone, with backoff, and finally parks it in the dead list.
   */
  private boolean attempt(Item item, int first) {
    String error = null;
    for (int attempt = first; attempt <= config.maxAttempts(); attempt++) {
      try {
        work(item.job());
        if (attempt == first) {
          return true; // completed with its batch
        }
        complete(List.of(item), attempt);
        return false;
      } catch (RuntimeException e) {
        error = e.getMessage();
        if (attempt < config.maxAttempts()) {
          retried.increment();
          sleep(50L << (attempt - 1));
        }
      }
    }
    String lastError = String.valueOf(error);
    transaction(
        a -> {
          a.rpush(
              keys.dead(),
              JSON.createObjectNode().put("item", item.raw()).put("error", lastError).toString());
          a.hset(
              keys.job(item.id()),
              Map.of(
                  "status",
                  "failed",
                  "attempts",
                  String.valueOf(config.maxAttempts()),
                  "error",
                  lastError));
          a.expire(keys.job(item.id()), Jobs.STATUS_TTL_SECONDS);
          a.lrem(keys.processing(config.podName()), 1, item.raw());
        });
    failed.increment();
    return false;
  }

  private static JsonNode parse(String raw) {
    try {
      JsonNode job = JSON.readTree(raw);
      return job != null && job.isObject() ? job : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Simulated work: I/O (sleep) and CPU (a busy loop), from the job or the defaults. */
  private void work(JsonNode job) {
    if (job.path("fail").asBoolean(false)) {
      throw new IllegalStateException("job asked to fail");
    }
    sleep(job.has("workMillis") ? job.get("workMillis").asInt() : config.ioMillis());
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.cpuMillis());
    long x = 0;
    while (System.nanoTime() < until) {
      x += System.nanoTime() % 7;
    }
    if (x == 42) {
      log.trace("unlikely");
    }
  }

  /** Returns to the queue the items of this pod's own old list and of workers that are gone. */
  int recoverStranded() {
    RedisCommands<String, String> r = own.sync();
    int moved = 0;
    ScanCursor cursor = ScanCursor.INITIAL;
    String prefix = keys.queue() + ":processing:";
    do {
      KeyScanCursor<String> page =
          r.scan(cursor, ScanArgs.Builder.matches(keys.processingPattern()).limit(200));
      for (String list : page.getKeys()) {
        String pod = list.substring(prefix.length());
        boolean mine = pod.equals(config.podName());
        if (mine || r.exists(keys.heartbeat(pod)) == 0) {
          while (r.lmove(list, keys.queue(), LMoveArgs.Builder.rightRight()) != null) {
            moved++;
          }
        }
      }
      cursor = page;
    } while (!cursor.isFinished());
    return moved;
  }

  /**
   * While this worker runs: the items of registered workers whose heartbeat is gone go back to the
   * queue, and a worker with nothing left leaves the consumers set. Runs on the heartbeat's thread,
   * on the shared connection (the worker's own is its loop's alone).
   */
  int recoverStrandedOfOthers() {
    RedisCommands<String, String> r = redis.commands();
    int moved = 0;
    for (String pod : r.smembers(keys.consumers())) {
      if (pod.equals(config.podName()) || r.exists(keys.heartbeat(pod)) > 0) {
        continue;
      }
      while (r.lmove(keys.processing(pod), keys.queue(), LMoveArgs.Builder.rightRight()) != null) {
        moved++;
      }
      r.srem(keys.consumers(), pod);
    }
    return moved;
  }

  private void recoverStrandedQuietly() {
    try {
      int moved = recoverStrandedOfOthers();
      if (moved > 0) {
        log.info("returned {} stranded items of workers that are gone to {}", moved, keys.queue());
      }
    } catch (RuntimeException e) {
      log.warn("stranded items not recovered this time: {}", e.getMessage());
    }
  }

  /** A worker that stops with nothing in hand is no longer a consumer to look after. */
  private void leaveConsumers() {
    try {
      if (redis.commands().llen(keys.processing(config.podName())) == 0) {
        redis.commands().srem(keys.consumers(), config.podName());
      }
    } catch (RuntimeException e) {
      log.warn("could not leave {}: {}", keys.consumers(), e.getMessage());
    }
  }

  private void beat() {
    try {
      redis.commands().setex(keys.heartbeat(config.podName()), HEARTBEAT_TTL.toSeconds(), "alive");
    } catch (RuntimeException e) {
      log.warn("heartbeat failed: {}", e.getMessage());
    }
  }

  /** Stops taking items, lets the batch in hand finish (up to {@code grace}), then returns. */
  public boolean stop(Duration grace) throws InterruptedException {
    running = false;
    return stopped.await(grace.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    running = false;
    own.close();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
