package dev.swell.operator.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.swell.operator.SteppedClock;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An event that repeats after the deduplication interval is the same Event with its count (every
 * occurrence, those held back included) and last time moved on, in one PATCH with no read before
 * it; within the interval nothing is sent; an hour later it is a new Event.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesEventSinkTest {

  static KubernetesMockServer server;
  static KubernetesClient client;

  @Test
  void aRepeatedEventCountsUpInOnePatchAndNothingWithinTheInterval() throws Exception {
    SteppedClock clock = new SteppedClock();
    clock.set(Instant.parse("2026-12-06T10:00:00Z"));
    KubernetesEventSink sink = new KubernetesEventSink(client, clock, Duration.ofMinutes(5));
    ScalableService shop = new ScalableService();
    shop.getMetadata().setName("shop");
    shop.getMetadata().setNamespace("events");
    shop.getMetadata().setUid("uid-1");
    sent();

    sink.record(shop, EventReason.ScaledWorkers, "2 -> 3");
    clock.stepSeconds(60);
    sink.record(shop, EventReason.ScaledWorkers, "2 -> 3"); // within 5 minutes: counted only
    clock.stepSeconds(300);
    sink.record(shop, EventReason.ScaledWorkers, "2 -> 3"); // after them: the same Event, x3

    assertThat(sent()).containsExactly("POST", "PATCH");
    List<Event> events = client.v1().events().inNamespace("events").list().getItems();
    assertThat(events).singleElement();
    assertThat(events.get(0).getCount()).as("every occurrence").isEqualTo(3);
    assertThat(events.get(0).getFirstTimestamp()).isEqualTo("2026-12-06T10:00:00Z");
    assertThat(events.get(0).getLastTimestamp()).isEqualTo("2026-12-06T10:06:00Z");
    assertThat(events.get(0).getReason()).isEqualTo("ScaledWorkers");

    // untouched for over an hour, the Event may have expired: a new one
    clock.stepSeconds(3_700);
    sent();
    sink.record(shop, EventReason.ScaledWorkers, "2 -> 3");
    assertThat(sent()).containsExactly("POST");
    assertThat(client.v1().events().inNamespace("events").list().getItems()).hasSize(2);
  }

  /** The methods of the requests the server got since the last call. */
  private static List<String> sent() throws InterruptedException {
    List<String> methods = new ArrayList<>();
    for (RecordedRequest r = server.takeRequest(200, TimeUnit.MILLISECONDS);
        r != null;
        r = server.takeRequest(200, TimeUnit.MILLISECONDS)) {
      methods.add(r.getMethod());
    }
    return methods;
  }
}
