package dev.swell.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shared token bucket on a real redis-server, with two limiters standing for two api replicas.
 */
class RateLimiterTest {

  @RegisterExtension static final RedisServer REDIS = RedisServer.plain();
  final List<Redis> open = new ArrayList<>();

  @AfterEach
  void close() {
    open.forEach(Redis::close);
  }

  Redis connect() {
    Redis r = new Redis(REDIS.uri(), null);
    open.add(r);
    return r;
  }

  long scriptCalls(Redis r) {
    String stats = r.commands().info("commandstats");
    long calls = 0;
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
        calls += Long.parseLong(line.replaceAll("^[^:]+:calls=(\\d+),.*", "$1"));
      }
    }
    return calls;
  }

  /**
   * Starts {@code n} requests at once on virtual threads, spread over the limiters, each asking as
   * the api does (the local lease, then Redis); returns how many passed.
   */
  static int storm(String client, int n, RateLimiter... replicas) throws InterruptedException {
    AtomicInteger allowed = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      RateLimiter limiter = replicas[i % replicas.length];
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      go.await();
                    } catch (InterruptedException e) {
                      return;
                    }
                    RateLimiter.Verdict v =
                        limiter.tryLocal(client); // as the api asks: the lease first, then Redis
                    if ((v != null ? v : limiter.acquire(client)).allowed()) {
                      allowed.incrementAndGet();
                    }
                  }));
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    return allowed.get();
  }

  @Test
  void twoReplicasUnderAStormNeverGrantMoreThanTheBucketHolds() throws Exception {
    int rate = 50;
    int burst = 200;
    RateLimiter a = new RateLimiter(connect(), rate, burst);
    RateLimiter b = new RateLimiter(connect(), rate, burst);
    long started = System.nanoTime();
    int allowed = storm("key:storm", 2_000, a, b);
    double seconds = (System.nanoTime() - started) / 1e9;
    // every request takes one token from the one bucket, whichever replica it reached
    assertThat(allowed).isLessThanOrEqualTo(burst + (int) Math.ceil(rate * seconds) + 1);
    // and a lease never strands more than what refills in one lease at each replica
    assertThat(allowed)
        .isGreaterThanOrEqualTo(
            burst - 2 * (int) Math.ceil(rate * RateLimiter.LEASE.toMillis() / 1000.0));
  }

  @Test
  void aBusyClientCostsFarFewerScriptCallsThanRequests() throws Exception {
    Redis redis = connect();
    RateLimiter limiter = new RateLimiter(redis, 1_000_000, 1_000_000);
    long before = scriptCalls(redis);
    int n = 4_000;
    assertThat(storm("key:busy", n, limiter)).isEqualTo(n);
    long calls = scriptCalls(redis) - before;
    assertThat(calls).as("Redis script calls for %d concurrent requests", n).isLessThan(n / 4);
  }

  @Test
  void aSteadilyBusyClientGetsItsNextLeaseBeforeThisOneEnds() throws Exception {
    RateLimiter limiter = new RateLimiter(connect(), 1_000_000, 1_000_000);
    AtomicLong requests = new AtomicLong();
    AtomicLong waitedForRedis = new AtomicLong();
    AtomicLong denied = new AtomicLong();
    long warm = System.nanoTime() + 200_000_000L;
    long end = warm + 1_000_000_000L; // a second: 50 leases of 20 ms
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      clients.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (System.nanoTime() < end) {
                      boolean counted = System.nanoTime() > warm;
                      RateLimiter.Verdict v = limiter.tryLocal("key:steady");
                      if (v == null) {
                        v = limiter.acquire("key:steady");
                        if (counted) {
                          waitedForRedis.incrementAndGet();
                        }
                      }
                      if (counted) {
                        requests.incrementAndGet();
                        if (!v.allowed()) {
                          denied.incrementAndGet();
                        }
                      }
                      LockSupport.parkNanos(100_000); // about 10k requests a second each
                    }
                  }));
    }
    for (Thread t : clients) {
      t.join();
    }
    assertThat(denied.get()).as("denied, far below the limit").isZero();
    assertThat(requests.get()).as("requests in the second").isGreaterThan(5_000);
    // without renewal ahead, requests that find the lease ended wait for a call: about 5% here
    assertThat(waitedForRedis.get())
        .as("of %d requests, those that waited for a script call", requests.get())
        .isLessThan(requests.get() / 100);
  }

  @Test
  void aClientSendingOneRequestAtATimeIsCheckedInRedisEachTime() {
    Redis redis = connect();
    RateLimiter limiter = new RateLimiter(redis, 1000, 1000);
    long before = scriptCalls(redis);
    for (int i = 0; i < 50; i++) {
      assertThat(limiter.acquire("key:polite").allowed()).isTrue();
    }
    assertThat(scriptCalls(redis) - before).as("no lease without concurrency").isEqualTo(50);
    assertThat(limiter.clientsTracked())
        .as("nothing kept for a client with nothing in flight")
        .isZero();
  }

  @Test
  void theRemainingCountFallsByOnePerRequestAndTheDeniedLearnTheWait() {
    RateLimiter limiter = new RateLimiter(connect(), 4, 3);
    assertThat(limiter.acquire("key:count")).isEqualTo(new RateLimiter.Verdict(true, 2, 0));
    assertThat(limiter.acquire("key:count").remaining()).isEqualTo(1);
    assertThat(limiter.acquire("key:count").remaining()).isZero();
    RateLimiter.Verdict denied = limiter.acquire("key:count");
    assertThat(denied.allowed()).isFalse();
    assertThat(denied.retryAfterMillis())
        .as("4 tokens/s: the next within 250 ms")
        .isBetween(1L, 250L);
  }

  @Test
  void aRefusedClientIsRefusedLocallyUntilItsNextTokenIsDue() throws Exception {
    Redis redis = connect();
    RateLimiter limiter = new RateLimiter(redis, 10, 2);
    assertThat(limiter.acquire("key:hammer").allowed()).isTrue();
    assertThat(limiter.acquire("key:hammer").allowed()).isTrue();
    RateLimiter.Verdict first = limiter.acquire("key:hammer");
    assertThat(first.allowed()).isFalse();
    long before = scriptCalls(redis);
    for (int i = 0; i < 20; i++) {
      RateLimiter.Verdict again = limiter.acquire("key:hammer");
      assertThat(again.allowed()).isFalse();
      assertThat(again.retryAfterMillis()).isBetween(1L, first.retryAfterMillis() + 1);
    }
    assertThat(scriptCalls(redis) - before).as("refusals answered without Redis").isZero();
    Thread.sleep(first.retryAfterMillis() + 20);
    assertThat(limiter.acquire("key:hammer").allowed()).as("the next token came").isTrue();
  }

  @Test
  void clientsWhoseLeaseEndedAreForgotten() throws Exception {
    AtomicLong now = new AtomicLong(1_000_000_000L);
    RateLimiter limiter = new RateLimiter(connect(), 1_000_000, 1_000_000, now::get);
    for (int c = 0; c < 20; c++) {
      storm("key:c" + c, 200, limiter);
    }
    assertThat(limiter.clientsTracked()).as("busy clients hold leases").isPositive();
    now.addAndGet(2_000_000_000L); // the leases ended two seconds ago
    limiter.acquire("key:newcomer");
    assertThat(limiter.clientsTracked()).isZero();
  }

  @Test
  void redisDownIsAnExceptionNotAVerdict() {
    RedisServer flaky = RedisServer.plain().start();
    Redis redis = new Redis(flaky.uri(), null);
    open.add(redis);
    RateLimiter limiter = new RateLimiter(redis, 10, 10);
    assertThat(limiter.acquire("key:x").allowed()).isTrue();
    flaky.stop();
    Assertions.assertThatThrownBy(() -> limiter.acquire("key:x"))
        .isInstanceOf(RuntimeException.class);
  }
}
