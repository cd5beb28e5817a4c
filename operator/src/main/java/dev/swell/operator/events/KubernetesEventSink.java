package dev.swell.operator.events;

import dev.swell.operator.scaling.WriteGate;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * core/v1 Events, deduplicated: the same reason and message about the same object is written once
 * and then not written again for {@code interval}, though counted; the first repeat after that
 * bumps the existing Event's count (every repeat so far) and last time instead of adding one, as
 * kubectl shows "(x5 over 12m)". An Event untouched for an hour (the API server's default event
 * TTL) may be gone: a repeat after that is a new Event. Failures to record are logged, never
 * thrown: an event is not worth a failed reconcile.
 */
public final class KubernetesEventSink implements EventSink {

  private static final Logger log = LoggerFactory.getLogger(KubernetesEventSink.class);
  static final String COMPONENT = "swell-operator";
  private static final PatchContext MERGE = PatchContext.of(PatchType.JSON_MERGE);

  /** The API server's default event TTL: an Event older than this may be gone. */
  private static final Duration EVENT_TTL = Duration.ofHours(1);

  private final KubernetesClient client;
  private final Clock clock;
  private final Duration interval;

  /** How long a written Event is remembered: its TTL, or the interval if that is longer. */
  private final Duration remember;

  private final Map<String, Recorded> recorded = new ConcurrentHashMap<>();
  private volatile Instant purged = Instant.EPOCH;

  /** An Event written at {@code written}, and how many times it happened so far. */
  private record Recorded(String eventName, Instant written, int count) {}

  public KubernetesEventSink(KubernetesClient client, Clock clock, Duration interval) {
    this.client = client;
    this.clock = clock;
    this.interval = interval;
    this.remember = EVENT_TTL.compareTo(interval) > 0 ? EVENT_TTL : interval;
  }

  private boolean forgotten(Recorded r, Instant now) {
    return r.written().plus(remember).isBefore(now);
  }

  @Override
  public void record(HasMetadata about, EventReason reason, String message) {
    String key = about.getMetadata().getUid() + "|" + reason + "|" + message;
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    if (now.isAfter(purged.plusSeconds(60))) { // forgetting, at most once a minute
      purged = now;
      recorded.values().removeIf(r -> forgotten(r, now));
    }
    Recorded previous = recorded.get(key);
    if (previous != null && forgotten(previous, now)) {
      previous = null; // not purged yet
    }
    if (previous != null && now.isBefore(previous.written().plus(interval))) {
      recorded.put(
          key, new Recorded(previous.eventName(), previous.written(), previous.count() + 1));
      return;
    }
    try {
      if (previous == null) {
        String name =
            about.getMetadata().getName()
                + "."
                + Long.toHexString(now.toEpochMilli())
                + Integer.toHexString(key.hashCode() & 0xfff);
        WriteGate.call(
            () ->
                client
                    .v1()
                    .events()
                    .inNamespace(about.getMetadata().getNamespace())
                    .resource(event(about, reason, message, name, now))
                    .create());
        recorded.put(key, new Recorded(name, now, 1));
      } else {
        int count = previous.count() + 1;
        String eventName = previous.eventName();
        // a merge patch of the two fields on the Event by name: one request, no read before it
        WriteGate.call(
            () ->
                client
                    .v1()
                    .events()
                    .resource(
                        new EventBuilder()
                            .withNewMetadata()
                            .withName(eventName)
                            .withNamespace(about.getMetadata().getNamespace())
                            .endMetadata()
                            .build())
                    .patch(MERGE, "{\"count\":" + count + ",\"lastTimestamp\":\"" + now + "\"}"));
        recorded.put(key, new Recorded(eventName, now, count));
      }
    } catch (RuntimeException e) {
      recorded.remove(key);
      log.warn(
          "could not record event {} for {}/{}: {}",
          reason,
          about.getMetadata().getNamespace(),
          about.getMetadata().getName(),
          e.getMessage());
    }
  }

  private static Event event(
      HasMetadata about, EventReason reason, String message, String name, Instant now) {
    return new EventBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(about.getMetadata().getNamespace())
        .endMetadata()
        .withInvolvedObject(
            new ObjectReferenceBuilder()
                .withApiVersion(about.getApiVersion())
                .withKind(about.getKind())
                .withName(about.getMetadata().getName())
                .withNamespace(about.getMetadata().getNamespace())
                .withUid(about.getMetadata().getUid())
                .withResourceVersion(about.getMetadata().getResourceVersion())
                .build())
        .withReason(reason.name())
        .withMessage(message)
        .withType(reason.type())
        .withCount(1)
        .withFirstTimestamp(now.toString())
        .withLastTimestamp(now.toString())
        .withNewSource()
        .withComponent(COMPONENT)
        .endSource()
        .withReportingComponent(COMPONENT)
        .build();
  }
}
