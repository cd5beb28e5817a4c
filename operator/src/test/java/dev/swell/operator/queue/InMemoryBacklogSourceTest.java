package dev.swell.operator.queue;

class InMemoryBacklogSourceTest extends QueueBacklogSourceContract {
  final InMemoryBacklogSource source = new InMemoryBacklogSource();

  @Override
  QueueBacklogSource source() {
    return source;
  }

  @Override
  RedisConnection endpoint() {
    return new RedisConnection("redis://nowhere:6379/0", null);
  }

  @Override
  void fill(String key, long length) {
    source.set(key, length);
  }

  @Override
  void register(String queueKey, String pod) {
    source.register(queueKey, pod);
  }
}
