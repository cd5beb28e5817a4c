package dev.swell.operator;

import dev.swell.operator.events.EventReason;
import dev.swell.operator.events.EventSink;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps the events a test's reconciler recorded. */
public final class RecordingEventSink implements EventSink {

  public record Recorded(String name, EventReason reason, String message) {}

  public final List<Recorded> events = new CopyOnWriteArrayList<>();

  @Override
  public void record(HasMetadata about, EventReason reason, String message) {
    events.add(new Recorded(about.getMetadata().getName(), reason, message));
  }

  public List<EventReason> reasons() {
    return events.stream().map(Recorded::reason).toList();
  }
}
