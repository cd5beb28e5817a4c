package dev.swell.operator.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every QueueBacklogSource must do; each implementation runs it with its own way to fill a
 * queue.
 */
abstract class QueueBacklogSourceContract {

  abstract QueueBacklogSource source();

  abstract RedisConnection endpoint();

  /** Sets a list's length (or the counter's value). */
  abstract void fill(String key, long length);

  Backlog read(String key, List<String> pods) throws Exception {
    return source().read(endpoint(), key, pods).toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void readsTheQueueTheProcessingListsOfTheGivenPodsAndTheCounter() throws Exception {
    fill("contract", 7);
    fill("contract:processing:a", 2);
    fill("contract:processing:b", 0);
    fill("contract:processing:gone", 5);
    fill("contract:processed", 99);
    Backlog b = read("contract", List.of("a", "b"));
    assertThat(b.waiting()).isEqualTo(7);
    assertThat(b.inFlight()).as("only the pods asked about").isEqualTo(2);
    assertThat(b.inFlightByPod()).containsExactlyEntriesOf(Map.of("a", 2L));
    assertThat(b.processed()).isEqualTo(99);
  }

  @Test
  void aQueueThatDoesNotExistIsEmpty() throws Exception {
    Backlog b = read("never-written", List.of("a"));
    assertThat(b.waiting()).isZero();
    assertThat(b.inFlight()).isZero();
    assertThat(b.processed()).isZero();
  }
}
