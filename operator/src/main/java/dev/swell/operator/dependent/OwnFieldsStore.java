package dev.swell.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.javaoperatorsdk.operator.processing.event.source.informer.TransformingItemStore;
import java.util.List;

/**
 * The store of the reconciler's informers: each object with only the managedFields entry that
 * JOSDK's server-side apply matching reads (this operator's own Apply). The managedFields trees (a
 * map per field) were the largest part of the operator's heap at 5,000 services: 1.9 million maps
 * with 1.3 million entries in a heap histogram; the other managers' entries (the controllers'
 * status, the autoscaler's replicas, the client that created the service) are a good part of them,
 * and nothing here reads them.
 */
public final class OwnFieldsStore<R extends HasMetadata> extends TransformingItemStore<R> {

  /** The field manager of the reconciler's server-side applies. */
  public static final String MANAGER = "swell-operator";

  public OwnFieldsStore() {
    super(OwnFieldsStore::prune);
  }

  static <R extends HasMetadata> R prune(R obj) {
    List<ManagedFieldsEntry> entries = obj.getMetadata().getManagedFields();
    if (entries != null && !entries.isEmpty()) {
      obj.getMetadata()
          .setManagedFields(
              entries.stream()
                  .filter(e -> MANAGER.equals(e.getManager()) && "Apply".equals(e.getOperation()))
                  .toList());
    }
    return obj;
  }
}
