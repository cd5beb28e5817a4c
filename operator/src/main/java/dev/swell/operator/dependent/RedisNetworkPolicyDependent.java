package dev.swell.operator.dependent;

import dev.swell.operator.OperatorIdentity;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.RedisResources;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** Admits only the service's own pods and the operator to the managed Redis. */
@KubernetesDependent(
    informer = @Informer(labelSelector = ChildSelectors.MANAGED, itemStore = OwnFieldsStore.class))
public class RedisNetworkPolicyDependent extends ChildDependent<NetworkPolicy> {

  public RedisNetworkPolicyDependent() {
    super(NetworkPolicy.class, s -> ChildNames.of(s, Component.REDIS));
  }

  @Override
  protected NetworkPolicy desired(ScalableService primary, Context<ScalableService> context) {
    OperatorIdentity self = OperatorIdentity.current();
    return RedisResources.networkPolicy(primary, self.namespace(), self.podLabels());
  }
}
