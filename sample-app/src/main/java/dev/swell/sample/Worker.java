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
 * (BLMOVE/LMOVE) and leave it only when done, so a crash loses nothing: the running workers return
 * to the queue the lists of workers whose heartbeat is older than its TTL. A heartbeat is a
 * timestamp in a hash without an expiry, so eviction (volatile-ttl) cannot make a live worker look
 * dead. Batches: up to N items, or what arrived within T ms. A failing job is retried with backoff,
 * then parked in the dead list. A job is claimed by id: a second worker never starts a job that a
 * live worker holds, and a worker that may have lapsed (a stall, a partition) checks its claim
 * before each job. Completion is idempotent by job id. SIGTERM: no new batch; the one in hand is
 * finished.
 */
public final class Worker implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Duration HEARTBEAT_TTL = Duration.ofSeconds(10);
  static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(3);

  /**
   * A heartbeat older than this may have lapsed by the time Redis sees the next one (the margin
   * covers the round trip and clock drift): the batch in hand may have been recovered by another.
   */
  static final long LAPSE_RISK_NANOS = HEARTBEAT_TTL.minusSeconds(2).toNanos();

  /** A batch that runs longer completes the jobs done so far, then goes on. */
  static final long COMPLETE_EVERY_NANOS = Duration.ofSeconds(1).toNanos();

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

  // When this worker's claims were last confirmed in Redis (a heartbeat, a claim, a batch marked),
  // by the start of the call, and since when the confirmations have followed one another with no
  // gap in which the heartbeat could have lapsed: a claim made before a gap is checked again.
  private long lastConfirmed = System.nanoTime();
  private long unbrokenSince = System.nanoTime();

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

  /**
   * The start of every script that reads or writes heartbeats: {@code now}, Redis' own clock in ms
   * (one clock for every worker), and {@code alive(hash, pod, ttl)}: whether the pod's last beat in
   * the heartbeats hash is less than ttl ms old.
   */
  static final String CLOCK =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
      local function alive(hash, pod, ttl)
        local at = tonumber(redis.call('HGET', hash, pod))
        return at ~= nil and now - at < tonumber(ttl)
      end
      """;

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
   * One batch in a handful of round trips, whatever its size: one script claims the jobs, one
   * completes, counts and acknowledges every success together (and a transaction dead-letters what
   * cannot be parsed, if anything); a batch that takes longer than a second completes once a
   * second. Only a failing job is retried on its own.
   */
  private void processBatch(List<String> raws) {
    String processing = keys.processing(config.podName());
    List<Item> items = new ArrayList<>();
    List<String[]> unusable = new ArrayList<>();
    for (String raw : raws) {
      JsonNode job = parse(raw);
      String why =
          job == null
              ? "not a JSON object"
              : !job.path("id").isTextual() || job.path("id").asText().isBlank()
                  ? "no string \"id\"" // its status would be shared with every such item
                  : null;
      if (why == null) {
        items.add(new Item(raw, job, job.path("id").asText()));
      } else {
        unusable.add(new String[] {raw, why});
      }
    }
    if (!unusable.isEmpty()) {
      transaction(
          a -> {
            for (String[] u : unusable) {
              a.rpush(
                  keys.dead(),
                  JSON.createObjectNode().put("item", u[0]).put("error", u[1]).toString());
              a.lrem(processing, 1, u[0]);
            }
          });
      failed.increment(unusable.size());
    }
    if (items.isEmpty()) {
      return;
    }
    long marked = System.nanoTime();
    List<String> outcomes = claimAll(items);
    confirmed(marked);
    List<Item> succeeded = new ArrayList<>();
    long flushed = System.nanoTime();
    for (int i = 0; i < items.size(); i++) {
      Item item = items.get(i);
      if (!"run".equals(outcomes.get(i)) || !stillMine(item, marked)) {
        continue; // done already, held by a live worker, or taken back while this one stalled
      }
      if (attempt(item, 1)) {
        succeeded.add(item);
      }
      if (System.nanoTime() - flushed >= COMPLETE_EVERY_NANOS && !succeeded.isEmpty()) {
        // a slow batch completes as it goes: what a lapse would have run again is a second's work
        complete(succeeded, 1);
        succeeded.clear();
        flushed = System.nanoTime();
      }
    }
    if (!succeeded.isEmpty()) {
      complete(succeeded, 1);
    }
  }

  /**
   * Claims a batch by job id, renewing this worker's heartbeat in the same step. Per item: "done"
   * (acknowledged only), "gone" (no longer in this worker's list: recovered while it could not
   * reach Redis), "held" (a live worker holds the job: the item joins that worker's list, so it is
   * recovered from there if that worker dies) or "run" (the job is this worker's now). KEYS: the
   * processing list, the heartbeats, the consumers set; ARGV: the pod, the queue, the heartbeat's
   * TTL (ms), then each item and its status key.
   */
  static final String CLAIM =
      CLOCK
          + """
      local me, q = ARGV[1], ARGV[2]
      redis.call('HSET', KEYS[2], me, now)
      redis.call('SADD', KEYS[3], me)
      local out = {}
      for i = 4, #ARGV, 2 do
        local raw, job = ARGV[i], ARGV[i + 1]
        local st = redis.call('HMGET', job, 'status', 'worker')
        if not redis.call('LPOS', KEYS[1], raw) then
          out[#out + 1] = 'gone'
        elseif st[1] == 'done' then
          redis.call('LREM', KEYS[1], 1, raw)
          out[#out + 1] = 'done'
        elseif st[1] == 'processing' and st[2] and st[2] ~= me
            and alive(KEYS[2], st[2], ARGV[3]) then
          redis.call('LREM', KEYS[1], 1, raw)
          local theirs = q .. ':processing:' .. st[2]
          if not redis.call('LPOS', theirs, raw) then redis.call('LPUSH', theirs, raw) end
          out[#out + 1] = 'held'
        else
          redis.call('HSET', job, 'status', 'processing', 'worker', me)
          redis.call('HINCRBY', job, 'runs', 1)
          out[#out + 1] = 'run'
        end
      end
      return out
      """;

  private List<String> claimAll(List<Item> items) {
    List<String> args =
        new ArrayList<>(
            List.of(config.podName(), keys.queue(), String.valueOf(HEARTBEAT_TTL.toMillis())));
    for (Item item : items) {
      args.add(item.raw());
      args.add(keys.job(item.id()));
    }
    return own.sync()
        .eval(
            CLAIM,
            ScriptOutputType.MULTI,
            new String[] {keys.processing(config.podName()), keys.heartbeats(), keys.consumers()},
            args.toArray(String[]::new));
  }

  /**
   * Whether the job claimed at {@code marked} is still this worker's. Free while the heartbeats
   * have followed one another since then; after a gap (the process stalled, or Redis was out of
   * reach, for long enough that the heartbeat may have lapsed) one script asks Redis, renews the
   * heartbeat if the job is still held, and otherwise lets the job go without running it.
   */
  private boolean stillMine(Item item, long marked) {
    synchronized (this) {
      if (unbrokenSince <= marked && System.nanoTime() - lastConfirmed < LAPSE_RISK_NANOS) {
        return true;
      }
    }
    long asked = System.nanoTime();
    Long mine =
        own.sync()
            .eval(
                RECLAIM,
                ScriptOutputType.INTEGER,
                new String[] {
                  keys.processing(config.podName()),
                  keys.job(item.id()),
                  keys.heartbeats(),
                  keys.consumers()
                },
                item.raw(),
                config.podName());
    if (mine == 1) {
      confirmed(asked);
      return true;
    }
    log.warn(
        "job {} was taken back while this worker could not renew its heartbeat: not run here",
        item.id());
    return false;
  }

  /** KEYS: the processing list, the job, the heartbeats, the consumers; ARGV: item, pod. */
  static final String RECLAIM =
      CLOCK
          + """
      local holder = redis.call('HGET', KEYS[2], 'worker')
      if redis.call('LPOS', KEYS[1], ARGV[1]) and holder == ARGV[2] then
        redis.call('HSET', KEYS[3], ARGV[2], now)
        redis.call('SADD', KEYS[4], ARGV[2])
        return 1
      end
      if holder == ARGV[2] then redis.call('HDEL', KEYS[2], 'worker') end
      redis.call('HINCRBY', KEYS[2], 'runs', -1)
      redis.call('LREM', KEYS[1], 1, ARGV[1])
      return 0
      """;

  /**
   * Records a confirmation of this worker's claims, sent at {@code sent}: Redis stamped the
   * heartbeat a moment after that, and it counts as alive for a TTL from then. If the reply came so
   * long after the one before that the heartbeat may have lapsed in between, the chain is broken
   * from now on.
   */
  private synchronized void confirmed(long sent) {
    long answered = System.nanoTime();
    if (answered - lastConfirmed >= LAPSE_RISK_NANOS) {
      unbrokenSince = answered;
    }
    lastConfirmed = Math.max(lastConfirmed, sent);
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

  /**
   * Returns a worker's items to the queue, atomically with the check that its last heartbeat is
   * older than the TTL (or unconditionally for this pod's own old list), so a worker that renews
   * its heartbeat at the same moment keeps its list whole. A dead worker leaves the consumers and
   * the heartbeats. KEYS: the processing list, the queue, the heartbeats, the consumers; ARGV: the
   * pod, "own" for this pod's own list, the TTL (ms). Returns the items moved, or -1 when the
   * worker is alive.
   */
  static final String RECOVER =
      CLOCK
          + """
      if ARGV[2] ~= 'own' then
        if alive(KEYS[3], ARGV[1], ARGV[3]) then return -1 end
        redis.call('SREM', KEYS[4], ARGV[1])
        redis.call('HDEL', KEYS[3], ARGV[1])
      end
      local moved = 0
      while redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'RIGHT') do moved = moved + 1 end
      return moved
      """;

  private int recover(RedisCommands<String, String> r, String pod) {
    Long moved =
        r.eval(
            RECOVER,
            ScriptOutputType.INTEGER,
            new String[] {keys.processing(pod), keys.queue(), keys.heartbeats(), keys.consumers()},
            pod,
            pod.equals(config.podName()) ? "own" : "",
            String.valueOf(HEARTBEAT_TTL.toMillis()));
    return (int) Math.max(0, moved);
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
        moved += recover(r, list.substring(prefix.length()));
      }
      cursor = page;
    } while (!cursor.isFinished());
    return moved;
  }

  /**
   * While this worker runs: the items of registered workers whose heartbeat is older than its TTL
   * go back to the queue, and such a worker leaves the consumers set. Runs on the heartbeat's
   * thread, on the shared connection (the worker's own is its loop's alone).
   */
  int recoverStrandedOfOthers() {
    RedisCommands<String, String> r = redis.commands();
    int moved = 0;
    for (String pod : r.smembers(keys.consumers())) {
      if (!pod.equals(config.podName())) {
        moved += recover(r, pod);
      }
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
        redis.commands().hdel(keys.heartbeats(), config.podName());
      }
    } catch (RuntimeException e) {
      log.warn("could not leave {}: {}", keys.consumers(), e.getMessage());
    }
  }

  /** KEYS: the heartbeats, the consumers; ARGV: the pod. */
  static final String BEAT =
      CLOCK
          + """
      redis.call('HSET', KEYS[1], ARGV[1], now)
      redis.call('SADD', KEYS[2], ARGV[1])
      return 1
      """;

  /** Renews the heartbeat and the registration (a recovery during a lapse removed it). */
  private void beat() {
    long sent = System.nanoTime();
    try {
      redis
          .commands()
          .eval(
              BEAT,
              ScriptOutputType.INTEGER,
              new String[] {keys.heartbeats(), keys.consumers()},
              config.podName());
      confirmed(sent);
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
