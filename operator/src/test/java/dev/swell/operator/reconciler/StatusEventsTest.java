package dev.swell.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.Fixtures;
import dev.swell.operator.RecordingEventSink;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.events.EventReason;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Condition changes become events: the backlog read failing and recovering, among them. */
class StatusEventsTest {

  @Test
  void aFailingReadIsAWarningAndItsRecoveryANormalEvent() {
    ScalableService s = Fixtures.service(StatusFactoryTest.SHOP);
    RecordingEventSink events = new RecordingEventSink();
    var up = StatusFactoryTest.deployment(2, 2);
    Observed reading =
        new Observed(
            up,
            StatusFactoryTest.deployment(1, 1),
            up,
            null,
            List.of(),
            StatusFactoryTest.reading(3, 1));
    Observed failing =
        new Observed(
            up,
            StatusFactoryTest.deployment(1, 1),
            up,
            null,
            List.of(),
            StatusFactoryTest.unreadable(false));

    step(s, reading, events);
    assertThat(events.reasons())
        .doesNotContain(EventReason.BacklogUnreadable, EventReason.BacklogReadable);
    step(s, failing, events);
    assertThat(events.events)
        .filteredOn(e -> e.reason() == EventReason.BacklogUnreadable)
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("WRONGPASS"));
    step(s, reading, events);
    assertThat(events.reasons()).containsOnlyOnce(EventReason.BacklogReadable);
    step(s, reading, events);
    assertThat(events.reasons())
        .as("no event while nothing changes")
        .containsOnlyOnce(EventReason.BacklogReadable);
  }

  static void step(ScalableService s, Observed o, RecordingEventSink events) {
    StatusFactory.Result r = StatusFactory.build(s, o, StatusFactoryTest.NOW);
    StatusEvents.emit(events, s, r.conditions());
    s.setStatus(r.status());
  }
}
