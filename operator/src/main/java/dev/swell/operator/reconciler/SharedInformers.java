package dev.swell.operator.reconciler;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.dependent.ChildSelectors;
import dev.swell.operator.dependent.OwnFieldsStore;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;

/**
 * One informer per kind that several dependents share (three Deployments, two Services, two
 * budgets), each watching only what this operator made.
 */
final class SharedInformers {

  private SharedInformers() {}

  static List<EventSource<?, ScalableService>> of(EventSourceContext<ScalableService> context) {
    return List.of(
        informer(context, Deployment.class, ChildSelectors.DEPLOYMENTS),
        informer(context, Service.class, ChildSelectors.SERVICES),
        informer(context, PodDisruptionBudget.class, ChildSelectors.BUDGETS));
  }

  private static <R extends HasMetadata> InformerEventSource<R, ScalableService> informer(
      EventSourceContext<ScalableService> context, Class<R> type, String name) {
    return new InformerEventSource<>(
        InformerEventSourceConfiguration.from(type, ScalableService.class)
            .withName(name)
            .withLabelSelector(ChildSelectors.MANAGED)
            .withItemStore(new OwnFieldsStore<>())
            .build(),
        context);
  }
}
