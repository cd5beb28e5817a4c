package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.Networking;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The api's Ingress. */
@KubernetesDependent(
    informer = @Informer(labelSelector = ChildSelectors.MANAGED, itemStore = OwnFieldsStore.class))
public class ApiIngressDependent extends ChildDependent<Ingress> {

  public ApiIngressDependent() {
    super(Ingress.class, s -> ChildNames.of(s, Component.API));
  }

  @Override
  protected Ingress desired(ScalableService primary, Context<ScalableService> context) {
    return Networking.apiIngress(primary);
  }
}
