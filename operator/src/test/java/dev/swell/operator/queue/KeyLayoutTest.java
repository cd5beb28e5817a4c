package dev.swell.operator.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.sample.Keys;
import org.junit.jupiter.api.Test;

/**
 * The operator reads the queue's Redis keys where the sample app writes them: the layout is written
 * once on each side (QueueBacklogSource, the sample app's Keys), and this pins the two together.
 */
class KeyLayoutTest {

  @Test
  void theOperatorReadsTheKeysTheSampleAppWrites() {
    Keys app = new Keys("jobs");
    assertThat(QueueBacklogSource.processingList("jobs", "shop-worker-7d9f-x2"))
        .isEqualTo(app.processing("shop-worker-7d9f-x2"));
    assertThat(QueueBacklogSource.processedCounter("jobs")).isEqualTo(app.processed());
    assertThat(QueueBacklogSource.consumers("jobs")).isEqualTo(app.consumers());
    assertThat(app.processingPattern()).isEqualTo(QueueBacklogSource.processingList("jobs", "*"));
  }
}
