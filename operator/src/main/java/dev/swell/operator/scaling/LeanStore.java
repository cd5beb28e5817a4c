package dev.swell.operator.scaling;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The store of the scaling loops' own informers: the objects without their managedFields, which the
 * loops never read and which are often the larger part of a Deployment or a pod (every controller
 * and kubelet that wrote it has its entry), kept for every service the operator watches. JOSDK's
 * informers keep theirs: its server-side apply matching needs them.
 */
final class LeanStore<T extends HasMetadata> extends BasicItemStore<T> {

  LeanStore() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public T put(String key, T obj) {
    obj.getMetadata().setManagedFields(null);
    return super.put(key, obj);
  }
}
