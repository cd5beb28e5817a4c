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

  /** Records a worker in the queue's consumers set, as a worker does when it starts. */
  abstract void register(String queueKey, String pod);

  Backlog read(String key, List<String> pods) throws Exception {
    return source()
        .read(endpoint(), QueueRef.list(key), pods)
        .toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
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
  void itemsOfAWorkerThatIsGoneCountAsStrandedBacklog() throws Exception {
    fill("strand", 3);
    fill("strand:processing:live", 2);
    fill("strand:processing:dead", 4);
    register("strand", "live");
    register("strand", "dead");
    register("strand", "drained"); // gone, with nothing left
    Backlog b = read("strand", List.of("live"));
    assertThat(b.waiting()).isEqualTo(3);
    assertThat(b.inFlight()).isEqualTo(2);
    assertThat(b.stranded()).as("the dead worker's 4 items").isEqualTo(4);
    assertThat(b.backlog()).isEqualTo(7);
    assertThat(read("strand", List.of()).stranded()).as("with no worker at all").isEqualTo(6);
  }

  @Test
  void aQueueThatDoesNotExistIsEmpty() throws Exception {
    Backlog b = read("never-written", List.of("a"));
    assertThat(b.waiting()).isZero();
    assertThat(b.inFlight()).isZero();
    assertThat(b.processed()).isZero();
  }
}
