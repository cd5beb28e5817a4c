package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.RedisResources;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The managed Redis' password Secret: generated once, then carried over on every reconcile. */
@KubernetesDependent(
    informer = @Informer(labelSelector = ChildSelectors.MANAGED, itemStore = OwnFieldsStore.class))
public class RedisSecretDependent extends ChildDependent<Secret> {

  public RedisSecretDependent() {
    super(Secret.class, ChildNames::redisSecret);
  }

  @Override
  protected Secret desired(ScalableService primary, Context<ScalableService> context) {
    String existing =
        context.getSecondaryResource(Secret.class).map(RedisResources::password).orElse(null);
    return RedisResources.secret(primary, existing);
  }
}
