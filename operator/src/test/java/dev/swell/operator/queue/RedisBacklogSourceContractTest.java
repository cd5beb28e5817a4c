package dev.swell.operator.queue;

import dev.swell.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

class RedisBacklogSourceContractTest extends QueueBacklogSourceContract {

  static final RedisServer REDIS = RedisServer.plain();
  static RedisClient client;
  static StatefulRedisConnection<String, String> connection;
  static RedisBacklogSource source;

  @BeforeAll
  static void start() {
    REDIS.start();
    client = RedisClient.create(REDIS.uri());
    connection = client.connect();
    source = new RedisBacklogSource(Duration.ofMillis(500), Duration.ofSeconds(5));
  }

  @AfterAll
  static void stop() {
    source.close();
    connection.close();
    client.shutdown();
    REDIS.stop();
  }

  @Override
  QueueBacklogSource source() {
    return source;
  }

  @Override
  RedisConnection endpoint() {
    return new RedisConnection(REDIS.uri(), null);
  }

  @Override
  void fill(String key, long length) {
    var r = connection.sync();
    r.del(key);
    if (key.endsWith(":processed")) {
      r.set(key, String.valueOf(length));
    } else {
      for (long i = 0; i < length; i++) {
        r.lpush(key, "item" + i);
      }
    }
  }

  @Override
  void register(String queueKey, String pod) {
    connection.sync().sadd(QueueBacklogSource.consumers(queueKey), pod);
  }
}
