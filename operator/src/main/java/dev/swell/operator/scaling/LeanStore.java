package dev.swell.operator.scaling;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The store of the scaling loops' own informers: the objects without their managedFields, and a
 * Deployment without its pod template and status, none of which the loops read, kept for every
 * service the operator watches. JOSDK's informers keep their own Apply entry ({@code
 * OwnFieldsStore}): its server-side apply matching needs it.
 */
final class LeanStore<T extends HasMetadata> extends BasicItemStore<T> {

  LeanStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public T put(String key, T obj) {
    obj.getMetadata().setManagedFields(null);
    if (obj instanceof Deployment d) {
      // a loop reads a Deployment's replicas, generation and owner; never its pods' template
      d.setStatus(null);
      if (d.getSpec() != null) {
        d.getSpec().setTemplate(null);
      }
    }
    return super.put(key, obj);
  }
}
