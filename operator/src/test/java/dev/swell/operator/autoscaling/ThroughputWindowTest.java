package dev.swell.operator.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ThroughputWindowTest {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Duration SPAN = Duration.ofSeconds(30);

  @Test
  void unknownUntilTwoSamples() {
    assertThat(ThroughputWindow.EMPTY.perReplicaPerSecond()).isNaN();
    assertThat(ThroughputWindow.EMPTY.add(T0, 100, 2, SPAN).perReplicaPerSecond()).isNaN();
  }

  @Test
  void ratePerReplicaOverTheWindow() {
    ThroughputWindow w =
        ThroughputWindow.EMPTY.add(T0, 100, 2, SPAN).add(T0.plusSeconds(10), 300, 2, SPAN);
    assertThat(w.perReplicaPerSecond()).isEqualTo(10.0); // 200 items / 10 s / 2 replicas
  }

  @Test
  void oldSamplesLeaveTheWindow() {
    ThroughputWindow w =
        ThroughputWindow.EMPTY
            .add(T0, 0, 1, SPAN)
            .add(T0.plusSeconds(10), 1000, 1, SPAN)
            .add(T0.plusSeconds(50), 1100, 1, SPAN);
    assertThat(w.samples()).hasSize(1);
    w = w.add(T0.plusSeconds(60), 1200, 1, SPAN);
    assertThat(w.perReplicaPerSecond()).isEqualTo(10.0);
  }

  @Test
  void aCounterResetStartsOver() {
    ThroughputWindow w =
        ThroughputWindow.EMPTY.add(T0, 5000, 1, SPAN).add(T0.plusSeconds(5), 10, 1, SPAN);
    assertThat(w.samples()).hasSize(1);
    assertThat(w.perReplicaPerSecond()).isNaN();
  }

  @Test
  void noReplicasMeansNoRate() {
    ThroughputWindow w =
        ThroughputWindow.EMPTY.add(T0, 0, 0, SPAN).add(T0.plusSeconds(5), 0, 0, SPAN);
    assertThat(w.perReplicaPerSecond()).isNaN();
  }
}
