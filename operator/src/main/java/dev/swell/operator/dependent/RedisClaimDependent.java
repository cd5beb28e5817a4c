package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.RedisResources;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The managed Redis' claim for its append-only file, when spec.redis.managed.storage is set. */
@KubernetesDependent(
    informer = @Informer(labelSelector = ChildSelectors.MANAGED, itemStore = OwnFieldsStore.class))
public class RedisClaimDependent extends ChildDependent<PersistentVolumeClaim> {

  public RedisClaimDependent() {
    super(PersistentVolumeClaim.class, s -> ChildNames.of(s, Component.REDIS));
  }

  @Override
  protected PersistentVolumeClaim desired(
      ScalableService primary, Context<ScalableService> context) {
    return RedisResources.claim(primary);
  }
}
