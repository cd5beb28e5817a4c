package dev.swell.operator.events;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** Where the operator reports what it did; the Kubernetes implementation deduplicates. */
public interface EventSink {
  void record(HasMetadata about, EventReason reason, String message);
}
