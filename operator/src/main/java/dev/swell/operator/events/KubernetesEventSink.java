package dev.swell.operator.events;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
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
 * and then suppressed for {@code interval}; a later repeat bumps the existing Event's count instead
 * of adding one. Failures to record are logged, never thrown: an event is not worth a failed
 * reconcile.
 */
public final class KubernetesEventSink implements EventSink {

  private static final Logger log = LoggerFactory.getLogger(KubernetesEventSink.class);
  static final String COMPONENT = "swell-operator";

  private final KubernetesClient client;
  private final Clock clock;
  private final Duration interval;
  private final Map<String, Recorded> recorded = new ConcurrentHashMap<>();

  private record Recorded(String eventName, Instant lastSeen, int count) {}

  public KubernetesEventSink(KubernetesClient client, Clock clock, Duration interval) {
    this.client = client;
    this.clock = clock;
    this.interval = interval;
  }

  @Override
  public void record(HasMetadata about, EventReason reason, String message) {
    String key = about.getMetadata().getUid() + "|" + reason + "|" + message;
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    // what is older than the interval suppresses nothing: forgetting it keeps the map small
    recorded.values().removeIf(r -> r.lastSeen().plus(interval).isBefore(now));
    Recorded previous = recorded.get(key);
    if (previous != null && now.isBefore(previous.lastSeen().plus(interval))) {
      return;
    }
    try {
      if (previous == null) {
        String name =
            about.getMetadata().getName()
                + "."
                + Long.toHexString(now.toEpochMilli())
                + Integer.toHexString(key.hashCode() & 0xfff);
        client
            .v1()
            .events()
            .inNamespace(about.getMetadata().getNamespace())
            .resource(event(about, reason, message, name, now))
            .create();
        recorded.put(key, new Recorded(name, now, 1));
      } else {
        int count = previous.count() + 1;
        client
            .v1()
            .events()
            .inNamespace(about.getMetadata().getNamespace())
            .withName(previous.eventName())
            .edit(
                e ->
                    new EventBuilder(e).withCount(count).withLastTimestamp(now.toString()).build());
        recorded.put(key, new Recorded(previous.eventName(), now, count));
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
