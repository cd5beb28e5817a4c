package dev.swell.operator.desired;

import dev.swell.operator.api.ApiSpec;
import dev.swell.operator.api.Defaults;
import dev.swell.operator.api.Placement;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.api.WorkerSpec;
import dev.swell.operator.placement.PlacementRules;
import dev.swell.operator.placement.PodPlacement;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;

/**
 * The api and worker Deployments. Neither sets {@code spec.replicas} when something else owns it:
 * the HPA for an autoscaled api, the operator's queue autoscaler (a separate field manager) for the
 * worker. A server-side apply that omits the field leaves their writes alone.
 */
public final class Workloads {

  private Workloads() {}

  /**
   * @param passwordSecretAllowed whether the external Redis' password Secret allows Swell ({@link
   *     AppEnvironment#allowsSwell}); without that, the pods do not get it either
   */
  public static Deployment api(ScalableService s, boolean passwordSecretAllowed) {
    ApiSpec api = s.getSpec().api;
    SpecChecks.resources(api.resources, "spec.api.resources");
    SpecChecks.env(api.env, "spec.api.env");
    Integer replicas = Components.fixedApiReplicas(s);
    PodPlacement placement = placement(s, Component.API, api.placement);
    if (api.podTemplate != null) {
      return deployment(
          s,
          Component.API,
          replicas,
          own(
              s,
              Component.API,
              api.podTemplate,
              api.image,
              api.resources,
              null,
              placement,
              passwordSecretAllowed));
    }
    Container container =
        appContainer(s, Component.API, api.image, api.resources, passwordSecretAllowed)
            .withReadinessProbe(httpProbe("/readyz", AppEnvironment.port(s), 2))
            .withLivenessProbe(httpProbe("/healthz", AppEnvironment.port(s), 10))
            .build();
    return deployment(
        s, Component.API, replicas, template(s, Component.API, container, placement, null));
  }

  public static Deployment worker(ScalableService s, boolean passwordSecretAllowed) {
    WorkerSpec worker = s.getSpec().worker;
    SpecChecks.resources(worker.resources, "spec.worker.resources");
    SpecChecks.env(worker.env, "spec.worker.env");
    PodPlacement placement = placement(s, Component.WORKER, worker.placement);
    if (worker.podTemplate != null) {
      return deployment(
          s,
          Component.WORKER,
          null,
          own(
              s,
              Component.WORKER,
              worker.podTemplate,
              worker.image,
              worker.resources,
              worker.terminationGracePeriodSeconds,
              placement,
              passwordSecretAllowed));
    }
    Container container =
        appContainer(s, Component.WORKER, worker.image, worker.resources, passwordSecretAllowed)
            // ready while it can work (Redis answers); restarted only when its loop has ended
            .withReadinessProbe(httpProbe("/readyz", AppEnvironment.port(s), 5))
            .withLivenessProbe(httpProbe("/healthz", AppEnvironment.port(s), 10))
            .build();
    return deployment(
        s,
        Component.WORKER,
        null,
        template(s, Component.WORKER, container, placement, worker.terminationGracePeriodSeconds));
  }

  /** The user's own pod template with Swell's additions ({@link PodTemplates}). */
  private static PodTemplateSpec own(
      ScalableService s,
      Component c,
      PodTemplateSpec given,
      String image,
      ResourceRequirements resources,
      Long gracePeriod,
      PodPlacement placement,
      boolean passwordSecretAllowed) {
    PodTemplates.check(given, "spec." + c.label() + ".podTemplate", c.label());
    return PodTemplates.merge(
        given,
        new PodTemplates.Additions(
            ChildNames.podLabels(s, c),
            c.label(),
            image != null ? image : s.getSpec().image,
            AppEnvironment.of(s, c, passwordSecretAllowed),
            AppEnvironment.port(s),
            resources,
            gracePeriod,
            placement));
  }

  /** The merged and translated placement of a component. */
  public static PodPlacement placement(ScalableService s, Component c, Placement own) {
    SpecChecks.placement(s.getSpec().placement, "spec.placement");
    SpecChecks.placement(own, "spec." + c.label() + ".placement");
    return PlacementRules.translate(
        PlacementRules.merge(s.getSpec().placement, own),
        ChildNames.selector(s, c),
        Components.managedRedis(s) ? ChildNames.selector(s, Component.REDIS) : null);
  }

  static Deployment deployment(
      ScalableService s, Component c, Integer replicas, PodTemplateSpec template) {
    ServerDefaults.fill(template.getSpec());
    return new DeploymentBuilder()
        .withMetadata(ChildNames.metadata(s, c, ChildNames.of(s, c)))
        .withNewSpec()
        .withReplicas(replicas)
        .withNewSelector()
        .withMatchLabels(ChildNames.selector(s, c))
        .endSelector()
        .withTemplate(template)
        .endSpec()
        .build();
  }

  private static ContainerBuilder appContainer(
      ScalableService s,
      Component c,
      String image,
      ResourceRequirements resources,
      boolean passwordSecretAllowed) {
    return new ContainerBuilder()
        .withName(c.label())
        .withImage(image != null ? image : s.getSpec().image)
        .withEnv(AppEnvironment.of(s, c, passwordSecretAllowed))
        .addNewPort()
        .withName("http")
        .withContainerPort(AppEnvironment.port(s))
        .withProtocol("TCP")
        .endPort()
        .withResources(
            PodSecurity.withDefaultRequests(
                resources, Defaults.CPU_REQUEST, Defaults.MEMORY_REQUEST))
        .withSecurityContext(PodSecurity.container())
        .addNewVolumeMount()
        .withName("tmp")
        .withMountPath("/tmp")
        .endVolumeMount();
  }

  private static PodTemplateSpec template(
      ScalableService s,
      Component c,
      Container container,
      PodPlacement placement,
      Long gracePeriod) {
    PodSpecBuilder pod =
        new PodSpecBuilder()
            .withContainers(container)
            .withSecurityContext(PodSecurity.pod(PodSecurity.APP_UID))
            .withAutomountServiceAccountToken(false)
            .withTerminationGracePeriodSeconds(gracePeriod)
            .addNewVolume()
            .withName("tmp")
            .withNewEmptyDir()
            .endEmptyDir()
            .endVolume()
            .withAffinity(placement.affinity())
            .withTolerations(placement.tolerations().isEmpty() ? null : placement.tolerations())
            .withTopologySpreadConstraints(
                placement.topologySpreadConstraints().isEmpty()
                    ? null
                    : placement.topologySpreadConstraints())
            .withNodeSelector(placement.nodeSelector().isEmpty() ? null : placement.nodeSelector());
    return new PodTemplateSpecBuilder()
        .withNewMetadata()
        .withLabels(ChildNames.podLabels(s, c))
        .endMetadata()
        .withSpec(pod.build())
        .build();
  }

  private static Probe httpProbe(String path, int port, int periodSeconds) {
    return new ProbeBuilder()
        .withNewHttpGet()
        .withPath(path)
        .withNewPort(port)
        .endHttpGet()
        .withPeriodSeconds(periodSeconds)
        .withTimeoutSeconds(2)
        .withFailureThreshold(3)
        .build();
  }
}
