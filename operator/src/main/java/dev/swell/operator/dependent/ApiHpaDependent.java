package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ApiHpa;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The api's autoscaling/v2 HorizontalPodAutoscaler. */
@KubernetesDependent(
    informer = @Informer(labelSelector = ChildSelectors.MANAGED, itemStore = OwnFieldsStore.class))
public class ApiHpaDependent extends ChildDependent<HorizontalPodAutoscaler> {

  public ApiHpaDependent() {
    super(HorizontalPodAutoscaler.class, s -> ChildNames.of(s, Component.API));
  }

  @Override
  protected HorizontalPodAutoscaler desired(
      ScalableService primary, Context<ScalableService> context) {
    return ApiHpa.hpa(primary);
  }
}
