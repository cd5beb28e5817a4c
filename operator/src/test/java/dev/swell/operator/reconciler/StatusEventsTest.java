package dev.swell.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.Fixtures;
import dev.swell.operator.RecordingEventSink;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.events.Causes;
import dev.swell.operator.events.EventReason;
import dev.swell.operator.scaling.WorkerScalingSnapshot;
import io.fabric8.kubernetes.api.model.Condition;
import io.lettuce.core.RedisCommandExecutionException;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Condition changes become events: the backlog read failing and recovering, among them. */
class StatusEventsTest {

  @Test
  void aFailingReadIsAWarningAndItsRecoveryANormalEvent() {
    ScalableService s = Fixtures.service(StatusFactoryTest.SHOP);
    RecordingEventSink events = new RecordingEventSink();
    Observed reading = observed(StatusFactoryTest.reading(3, 1));
    Observed failing = observed(StatusFactoryTest.unreadable(false));

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

  /** Redis 7's reply to the read script meeting a key of another type (redis-cli, 7.0.15). */
  static final String WRONGTYPE =
      "WRONGTYPE Operation against a key holding the wrong kind of value script:"
          + " 8c65b2bc1e1aa28b7e857a77051f1ccb4b611adb, on @user_script:1.";

  @Test
  void aQueueKeyOfTheWrongTypeIsBacklogUnreadableWithItsWarningInOneReconcile() {
    ScalableService s = Fixtures.service(StatusFactoryTest.SHOP);
    RecordingEventSink events = new RecordingEventSink();
    step(s, observed(StatusFactoryTest.reading(3, 1)), events);
    events.events.clear();
    // as the worker loop describes a failed read: Lettuce's error, under the future's wrapper
    String error =
        Causes.rootMessage(new ExecutionException(new RedisCommandExecutionException(WRONGTYPE)));
    Observed wrongType = observed(new WorkerScalingSnapshot(3L, 0L, 1, null, error, false, false));

    StatusFactory.Result r = StatusFactory.build(s, wrongType, StatusFactoryTest.NOW);
    StatusEvents.emit(events, s, r.conditions());

    Condition scaling = r.conditions().get(ConditionType.ScalingActive);
    assertThat(scaling.getStatus() + "/" + scaling.getReason() + "/" + scaling.getMessage())
        .isEqualTo("False/BacklogUnreadable/" + WRONGTYPE);
    assertThat(r.conditions().get(ConditionType.Fallback).getReason())
        .as("one failure, below afterFailures")
        .isEqualTo("NotNeeded");
    assertThat(events.events)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.reason()).isEqualTo(EventReason.BacklogUnreadable);
              assertThat(e.reason().type()).isEqualTo("Warning");
              assertThat(e.message()).isEqualTo(WRONGTYPE);
            });
  }

  /** The shop with its api, worker and Redis up, and the queue autoscaler's view. */
  static Observed observed(WorkerScalingSnapshot scaling) {
    var up = StatusFactoryTest.deployment(2, 2);
    return new Observed(up, StatusFactoryTest.deployment(1, 1), up, null, List.of(), scaling);
  }

  static void step(ScalableService s, Observed o, RecordingEventSink events) {
    StatusFactory.Result r = StatusFactory.build(s, o, StatusFactoryTest.NOW);
    StatusEvents.emit(events, s, r.conditions());
    s.setStatus(r.status());
  }
}
