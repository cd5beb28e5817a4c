package dev.swell.sample;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket per client, kept in Redis and updated by one Lua script, so every api replica
 * shares each client's budget and no two requests race. The script reads Redis' own clock, so
 * replicas with skewed clocks agree too. Redis down: the caller gets an exception and lets the
 * request pass (fail open).
 *
 * <p>A busy client does not cost a Redis round trip per request:
 *
 * <ul>
 *   <li>Requests that arrive while the client's script call is in flight wait for it and then go to
 *       Redis together, in one call that takes a token for each (group commit).
 *   <li>A client that has shown concurrency also gets a short lease: the call takes up to as many
 *       extra tokens as the replica handed out locally since its last call (twice as many when the
 *       last lease ran out before it ended), never more than refill in {@link #LEASE}, and the
 *       replica hands them out without asking Redis again until the lease ends. Tokens left when it
 *       ends go back into the bucket with the next call.
 *   <li>When three quarters of a lease's tokens or of its time are gone, the replica asks for the
 *       next one in the background, sized to the pace since the lease began and less what it still
 *       holds, so a steadily busy client's requests rarely wait for a call.
 * </ul>
 *
 * Every request still takes exactly one token from the shared bucket, so the limit holds across
 * replicas; the only slack is that a replica may hold up to {@code rate x LEASE} of a client's
 * tokens for {@link #LEASE}. A client that sends one request at a time is checked in Redis every
 * time, as with a plain per-request script call.
 */
public final class RateLimiter {

  /** The verdict: allowed or not, tokens left, and the wait until the next token. */
  public record Verdict(boolean allowed, long remaining, long retryAfterMillis) {}

  /** How long a replica may hold tokens it took ahead of demand. */
  static final Duration LEASE = Duration.ofMillis(20);

  /**
   * KEYS[1] the bucket; ARGV rate per second, burst, tokens wanted, at least this many or none (the
   * requests waiting; the rest are a lease), tokens given back. Returns granted, left, and the wait
   * in ms for the next token when fewer than the minimum were granted.
   */
  static final String SCRIPT =
      """
      local rate = tonumber(ARGV[1])
      local burst = tonumber(ARGV[2])
      local wanted = tonumber(ARGV[3])
      local needed = tonumber(ARGV[4])
      local t = redis.call('TIME')
      local now = t[1] * 1000 + math.floor(t[2] / 1000)
      local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
      local tokens = tonumber(bucket[1])
      local ts = tonumber(bucket[2])
      if tokens == nil then tokens = burst; ts = now end
      tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000 + tonumber(ARGV[5]))
      local granted = math.min(wanted, math.floor(tokens))
      tokens = tokens - granted
      local wait = 0
      if granted < needed then wait = math.ceil((1 - tokens) * 1000 / rate) end
      redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
      redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
      return {granted, math.floor(tokens), wait}
      """;

  private final Redis redis;
  private final int rate;
  private final int burst;
  private final long maxLease;
  private final LongSupplier nanos;
  private final String sha;
  private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
  private volatile long lastSweep;

  public RateLimiter(Redis redis, int requestsPerSecond, int burst) {
    this(redis, requestsPerSecond, burst, System::nanoTime);
  }

  RateLimiter(Redis redis, int requestsPerSecond, int burst, LongSupplier nanos) {
    this.redis = redis;
    this.rate = requestsPerSecond;
    this.burst = burst;
    this.maxLease = Math.min(burst / 2, (long) requestsPerSecond * LEASE.toMillis() / 1000);
    this.nanos = nanos;
    this.lastSweep = nanos.getAsLong();
    this.sha = redis.commands().digest(SCRIPT);
  }

  /** Clients with state in this replica: a call in flight, waiting requests or a lease. */
  int clientsTracked() {
    return lanes.size();
  }

  /** Takes a token for the client, waiting at most for Redis' timeout; throws if Redis fails. */
  public Verdict acquire(String client) {
    CompletableFuture<Verdict> mine = new CompletableFuture<>();
    while (true) {
      Lane lane = lane(client);
      Call call;
      synchronized (lane) {
        if (lane.retired) {
          continue; // went idle and left the map between our lookup and the lock
        }
        Verdict known = local(lane);
        if (known != null) {
          return known;
        }
        lane.waiting.add(mine);
        call = lane.calling ? null : lane.next(maxLease);
      }
      if (call != null) {
        send(lane, call);
      }
      break;
    }
    try {
      return mine.get(2 * Redis.TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new CompletionException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("rate limit check timed out", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * The verdict if this replica can give it without Redis (a token left in its lease, or a refusal
   * whose end Redis already told), else null. Never blocks, so an event loop may ask.
   */
  public Verdict tryLocal(String client) {
    Lane lane = lanes.get(client);
    return lane == null || lane.retired ? null : local(lane);
  }

  /**
   * The local verdict, or null. Lock-free, since every request of a busy client comes here: the
   * lease is one atomic count, taken from with a compare-and-set (a retired lane's count is 0).
   */
  private Verdict local(Lane lane) {
    long now = nanos.getAsLong();
    long deniedUntil = lane.deniedUntil;
    if (now - deniedUntil < 0) { // Redis said when the next token comes; until then, no need to ask
      return new Verdict(false, 0, TimeUnit.NANOSECONDS.toMillis(deniedUntil - now) + 1);
    }
    if (now - lane.leaseEnds >= 0) {
      return null;
    }
    for (long r = lane.reserve.get(); r > 0; r = lane.reserve.get()) {
      if (lane.reserve.compareAndSet(r, r - 1)) {
        if (lane.renewDue && (r - 1 <= lane.renewAt || now - lane.renewAfter >= 0)) {
          renew(lane, now);
        }
        return new Verdict(true, lane.left + r - 1, 0);
      }
    }
    return null;
  }

  /**
   * Three quarters of the lease's tokens or of its time are gone: asks Redis for the next lease
   * now, in the background, so the client's requests keep being answered here instead of waiting
   * for a call when this one ends.
   */
  private void renew(Lane lane, long now) {
    Call call;
    synchronized (lane) {
      if (!lane.renewDue || lane.calling || lane.retired) {
        return;
      }
      lane.renewDue = false;
      long held = lane.reserve.get();
      long elapsed = Math.max(now - lane.leaseStarted, 1);
      // the pace since the lease began, over a whole lease, less what is still held
      long wanted = Math.min(maxLease, (lane.leased - held) * LEASE.toNanos() / elapsed) - held;
      if (wanted <= 0) {
        return;
      }
      call = new Call(List.of(), wanted, 0);
      lane.calling = true;
    }
    send(lane, call);
  }

  private Lane lane(String client) {
    Lane lane = lanes.get(client);
    if (lane != null) {
      return lane;
    }
    sweepNowAndThen();
    return lanes.computeIfAbsent(client, c -> new Lane(c, nanos.getAsLong()));
  }

  /**
   * Forgets clients with nothing in flight, no lease and no refusal running, at most once a second.
   */
  private void sweepNowAndThen() {
    long now = nanos.getAsLong();
    if (now - lastSweep < 1_000_000_000L) {
      return;
    }
    lastSweep = now;
    for (Lane lane : lanes.values()) {
      synchronized (lane) {
        if (!lane.calling
            && lane.waiting.isEmpty()
            && now - lane.leaseEnds >= 0
            && now - lane.deniedUntil >= 0) {
          lane.reserve.set(0);
          lane.retired = true; // an ended lease's tokens refill in the bucket within LEASE anyway
          lanes.remove(lane.client, lane);
        }
      }
    }
  }

  /**
   * Asks Redis for the call's tokens, answers the waiting requests, then serves who came meanwhile.
   */
  private void send(Lane lane, Call call) {
    script(lane.key, call)
        .whenComplete(
            (r, e) -> {
              List<Answer> answers = new ArrayList<>();
              Call next;
              synchronized (lane) {
                if (e != null) {
                  Throwable cause =
                      e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                  call.waiting.forEach(f -> answers.add(new Answer(f, null, cause)));
                  if (call.returned > 0) {
                    lane.reserve.addAndGet(
                        call.returned); // not given back: still ours until the lease ends
                  }
                } else {
                  long granted = r.get(0);
                  lane.left = r.get(1);
                  long toWaiting = Math.min(granted, call.waiting.size());
                  for (int i = 0; i < call.waiting.size(); i++) {
                    answers.add(
                        new Answer(
                            call.waiting.get(i),
                            i < toWaiting
                                ? new Verdict(true, lane.left + granted - 1 - i, 0)
                                : new Verdict(false, 0, r.get(2)),
                            null));
                  }
                  long now = nanos.getAsLong();
                  long reserve = granted - toWaiting;
                  if (toWaiting < call.waiting.size()) {
                    lane.deniedUntil = now + TimeUnit.MILLISECONDS.toNanos(r.get(2));
                  }
                  while (reserve > 0 && !lane.waiting.isEmpty()) { // arrived during the call
                    reserve--;
                    answers.add(
                        new Answer(
                            lane.waiting.removeFirst(),
                            new Verdict(true, lane.left + reserve, 0),
                            null));
                  }
                  lane.leaseEnds =
                      now + LEASE.toNanos(); // before the tokens: a reader that sees them sees the
                  // lease too
                  lane.leaseStarted = now;
                  // what is left of the lease being renewed, if any, stays: it is already out of
                  // the bucket
                  long held = lane.reserve.addAndGet(reserve);
                  lane.leased = held;
                  lane.renewAt = held / 4;
                  lane.renewAfter = now + LEASE.toNanos() * 3 / 4;
                  lane.renewDue = held > 0;
                }
                next = lane.waiting.isEmpty() ? null : lane.next(maxLease);
                if (next == null) {
                  lane.calling = false;
                  if (lane.reserve.get() == 0 && nanos.getAsLong() - lane.deniedUntil >= 0) {
                    lane.retired = true;
                    lanes.remove(lane.client, lane);
                  }
                }
              }
              answers.forEach(Answer::deliver);
              if (next != null) {
                send(lane, next);
              }
            });
  }

  private CompletableFuture<List<Long>> script(String key, Call call) {
    String[] keys = {key};
    String[] args = {
      String.valueOf(rate),
      String.valueOf(burst),
      String.valueOf(call.waiting.size() + call.lease),
      String.valueOf(call.waiting.size()),
      String.valueOf(call.returned)
    };
    try {
      return redis
          .async()
          .<List<Long>>evalsha(sha, ScriptOutputType.MULTI, keys, args)
          .toCompletableFuture()
          .exceptionallyCompose(
              e -> {
                Throwable cause =
                    e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (!(cause instanceof RedisNoScriptException)) {
                  return CompletableFuture.failedFuture(cause);
                }
                // first call, or Redis restarted and forgot the script: EVAL sends it and caches it
                // again
                return redis
                    .async()
                    .<List<Long>>eval(SCRIPT, ScriptOutputType.MULTI, keys, args)
                    .toCompletableFuture();
              });
    } catch (RuntimeException e) { // rejected before it was sent, e.g. while disconnected
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * One script call: the requests it answers, the extra tokens it asks for, the tokens it gives
   * back.
   */
  private record Call(List<CompletableFuture<Verdict>> waiting, long lease, long returned) {}

  private record Answer(CompletableFuture<Verdict> to, Verdict verdict, Throwable failure) {
    void deliver() {
      if (failure != null) {
        to.completeExceptionally(failure);
      } else {
        to.complete(verdict);
      }
    }
  }

  /**
   * One client's state in this replica, guarded by its own monitor, except for what {@link #local}
   * reads without it: the lease's tokens (atomic) and the volatile times.
   */
  private static final class Lane {
    final String client;
    final String key;
    final List<CompletableFuture<Verdict>> waiting = new ArrayList<>();

    /** Tokens this replica holds for the client until {@link #leaseEnds}. */
    final AtomicLong reserve = new AtomicLong();

    boolean calling;
    volatile boolean retired;
    volatile long leaseEnds;
    volatile long deniedUntil;
    volatile long left;

    /** The reserve when the last call filled it: what is gone of it is the demand it met. */
    long leased;

    long leaseStarted;

    /**
     * Whether the lease is to be renewed ahead of its end: at {@link #renewAt} tokens left or at
     * {@link #renewAfter}.
     */
    volatile boolean renewDue;

    volatile long renewAt;
    volatile long renewAfter;

    Lane(String client, long now) { // nanoTime has no zero: "ended" is "now" at the start
      this.client = client;
      this.leaseEnds = now;
      this.deniedUntil = now;
      this.key = "ratelimit:" + client;
    }

    /**
     * The next call: every waiting request, a lease as large as the demand this replica met from
     * its last lease (doubled if it ran out; the first time, the concurrency it sees now), and the
     * ended lease's leftover tokens, given back.
     */
    Call next(long maxLease) {
      long returned = reserve.getAndSet(0);
      long served = Math.max(0, leased - returned);
      // a lease used up before it ended was too small: double it, as TCP's slow start does
      long demand = returned == 0 ? 2 * served : served;
      Call call =
          new Call(
              new ArrayList<>(waiting),
              Math.min(maxLease, Math.max(demand, waiting.size() - 1L)),
              returned);
      waiting.clear();
      leased = 0;
      renewDue = false;
      calling = true;
      return call;
    }
  }
}
