package dev.swell.sample;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.testkit.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CatalogueTest {

  @RegisterExtension static final RedisServer REDIS = RedisServer.plain();

  /** n reads at once; how long until all are done. */
  static Duration readAtOnce(Catalogue c, int n) throws Exception {
    long start = System.nanoTime();
    try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> reads = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        long id = i;
        reads.add(pool.submit(() -> c.read(id, "product:" + id, 60)));
      }
      for (Future<String> f : reads) {
        assertThat(f.get()).contains("Product");
      }
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  @Test
  void aConnectionPoolMakesReadsBeyondItsSizeWaitTheirTurn() throws Exception {
    Redis redis = new Redis(REDIS.uri(), null);
    try {
      // 6 reads of 150 ms through 2 connections: three rounds, at least 450 ms
      assertThat(readAtOnce(new Catalogue(redis, 150, 2), 6))
          .isGreaterThanOrEqualTo(Duration.ofMillis(450));
      // without a pool they overlap: well under the 900 ms of one after the other
      assertThat(readAtOnce(new Catalogue(redis, 150, 0), 6)).isLessThan(Duration.ofMillis(900));
    } finally {
      redis.close();
    }
  }
}
