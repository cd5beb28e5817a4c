package dev.swell.operator.desired;

import dev.swell.operator.api.Defaults;
import dev.swell.operator.api.EnvContract;
import dev.swell.operator.placement.PodPlacement;
import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A user's own pod template ({@code spec.api.podTemplate}, {@code spec.worker.podTemplate}) with
 * what Swell owns added: its labels, the env contract, placement, the image and resources it was
 * given, and the restricted security settings wherever the template leaves them unset. Everything
 * else passes through as written.
 */
final class PodTemplates {

  private PodTemplates() {}

  /** What Swell adds to the template's app container and pod. */
  record Additions(
      Map<String, String> labels,
      String appName,
      String image,
      List<EnvVar> env,
      int port,
      ResourceRequirements resources,
      Long terminationGracePeriodSeconds,
      PodPlacement placement) {}

  /**
   * The rules the API server cannot afford to check (they walk the containers): no privileged
   * container, and no name of the env contract in the app container's env.
   *
   * @param field where the template is, e.g. {@code spec.worker.podTemplate}
   * @throws InvalidSpecException naming the field
   */
  static void check(PodTemplateSpec given, String field, String appName) {
    if (given.getSpec() == null) {
      return;
    }
    PodSpec pod = given.getSpec();
    for (var kind : List.of("initContainers", "containers")) {
      List<Container> containers =
          list(kind.equals("containers") ? pod.getContainers() : pod.getInitContainers());
      for (int i = 0; i < containers.size(); i++) {
        SecurityContext sc = containers.get(i).getSecurityContext();
        if (sc != null && Boolean.TRUE.equals(sc.getPrivileged())) {
          throw new InvalidSpecException(
              field
                  + ".spec."
                  + kind
                  + "["
                  + i
                  + "].securityContext.privileged: a container must not be privileged");
        }
      }
    }
    List<Container> containers = list(pod.getContainers());
    if (containers.isEmpty()) {
      return;
    }
    int app = 0;
    for (int i = 0; i < containers.size(); i++) {
      if (appName.equals(containers.get(i).getName())) {
        app = i;
        break;
      }
    }
    List<EnvVar> env = list(containers.get(app).getEnv());
    for (int i = 0; i < env.size(); i++) {
      if (EnvContract.NAMES.contains(env.get(i).getName())) {
        throw new InvalidSpecException(
            field
                + ".spec.containers["
                + app
                + "].env["
                + i
                + "]: the app container's env must not set "
                + env.get(i).getName()
                + ": Swell sets it from the spec");
      }
    }
  }

  static PodTemplateSpec merge(PodTemplateSpec given, Additions add) {
    PodTemplateSpec t = Serialization.clone(given);
    if (t.getMetadata() == null) {
      t.setMetadata(new ObjectMeta());
    }
    Map<String, String> labels = new LinkedHashMap<>();
    if (t.getMetadata().getLabels() != null) {
      labels.putAll(t.getMetadata().getLabels());
    }
    labels.putAll(add.labels());
    t.getMetadata().setLabels(labels);
    if (t.getSpec() == null) {
      t.setSpec(new PodSpec());
    }
    PodSpec pod = t.getSpec();
    Container app = app(pod, add.appName());
    if (app.getImage() == null || app.getImage().isBlank()) {
      app.setImage(add.image());
    }
    List<EnvVar> env = new ArrayList<>(add.env());
    if (app.getEnv() != null) {
      env.addAll(app.getEnv()); // after Swell's, so the template's may refer to $(POD_NAME)
    }
    app.setEnv(env);
    // the Service targets the port by number; the template may name it as it likes
    List<ContainerPort> ports = new ArrayList<>(list(app.getPorts()));
    if (ports.stream()
        .noneMatch(p -> p.getContainerPort() != null && p.getContainerPort() == add.port())) {
      ports.add(
          new ContainerPortBuilder()
              .withName(ports.stream().anyMatch(p -> "http".equals(p.getName())) ? null : "http")
              .withContainerPort(add.port())
              .withProtocol("TCP")
              .build());
    }
    app.setPorts(ports);
    app.setResources(
        PodSecurity.withDefaultRequests(
            add.resources() != null ? add.resources() : app.getResources(),
            Defaults.CPU_REQUEST,
            Defaults.MEMORY_REQUEST));
    for (List<Container> containers : List.of(list(pod.getInitContainers()), pod.getContainers())) {
      containers.forEach(c -> c.setSecurityContext(restricted(c.getSecurityContext())));
    }
    pod.setSecurityContext(restricted(pod.getSecurityContext()));
    if (pod.getAutomountServiceAccountToken() == null && pod.getServiceAccountName() == null) {
      pod.setAutomountServiceAccountToken(false);
    }
    if (add.terminationGracePeriodSeconds() != null) {
      pod.setTerminationGracePeriodSeconds(add.terminationGracePeriodSeconds());
    }
    writableTmp(pod, app);
    place(pod, add.placement());
    return t;
  }

  /** The container named {@code name}, else the first; one named so when there is none. */
  private static Container app(PodSpec pod, String name) {
    if (pod.getContainers() == null || pod.getContainers().isEmpty()) {
      Container c = new Container();
      c.setName(name);
      pod.setContainers(new ArrayList<>(List.of(c)));
      return c;
    }
    return pod.getContainers().stream()
        .filter(c -> name.equals(c.getName()))
        .findFirst()
        .orElse(pod.getContainers().get(0));
  }

  /** The restricted settings, each only where the template leaves it unset. */
  static SecurityContext restricted(SecurityContext given) {
    SecurityContext sc = given == null ? new SecurityContext() : given;
    if (sc.getAllowPrivilegeEscalation() == null) {
      sc.setAllowPrivilegeEscalation(false);
    }
    if (sc.getReadOnlyRootFilesystem() == null) {
      sc.setReadOnlyRootFilesystem(true);
    }
    if (sc.getRunAsNonRoot() == null) {
      sc.setRunAsNonRoot(true);
    }
    if (sc.getCapabilities() == null) {
      sc.setCapabilities(new Capabilities(null, List.of("ALL")));
    }
    if (sc.getSeccompProfile() == null) {
      sc.setSeccompProfile(new SeccompProfile(null, "RuntimeDefault"));
    }
    return sc;
  }

  /** Non-root and seccomp RuntimeDefault unless set; the user is the image's unless set. */
  static PodSecurityContext restricted(PodSecurityContext given) {
    PodSecurityContext sc = given == null ? new PodSecurityContext() : given;
    if (sc.getRunAsNonRoot() == null) {
      sc.setRunAsNonRoot(true);
    }
    if (sc.getSeccompProfile() == null) {
      sc.setSeccompProfile(new SeccompProfile(null, "RuntimeDefault"));
    }
    return sc;
  }

  /** A read-only root needs somewhere to write: /tmp, unless the template mounts one. */
  private static void writableTmp(PodSpec pod, Container app) {
    boolean mounted =
        app.getVolumeMounts() != null
            && app.getVolumeMounts().stream().anyMatch(m -> "/tmp".equals(m.getMountPath()));
    boolean named =
        pod.getVolumes() != null
            && pod.getVolumes().stream().anyMatch(v -> "tmp".equals(v.getName()));
    if (mounted || named) {
      return;
    }
    List<Volume> volumes = new ArrayList<>(list(pod.getVolumes()));
    volumes.add(new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build());
    pod.setVolumes(volumes);
    List<VolumeMount> mounts = new ArrayList<>(list(app.getVolumeMounts()));
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    app.setVolumeMounts(mounts);
  }

  /**
   * Swell's placement, where it has one: affinity and spread replace the template's, node selectors
   * merge (Swell's keys win), tolerations add up.
   */
  private static void place(PodSpec pod, PodPlacement p) {
    if (p.affinity() != null) {
      pod.setAffinity(p.affinity());
    }
    if (!p.topologySpreadConstraints().isEmpty()) {
      pod.setTopologySpreadConstraints(p.topologySpreadConstraints());
    }
    if (!p.nodeSelector().isEmpty()) {
      Map<String, String> selector = new LinkedHashMap<>();
      if (pod.getNodeSelector() != null) {
        selector.putAll(pod.getNodeSelector());
      }
      selector.putAll(p.nodeSelector());
      pod.setNodeSelector(selector);
    }
    if (!p.tolerations().isEmpty()) {
      List<Toleration> tolerations = new ArrayList<>(list(pod.getTolerations()));
      p.tolerations().stream().filter(t -> !tolerations.contains(t)).forEach(tolerations::add);
      pod.setTolerations(tolerations);
    }
  }

  private static <T> List<T> list(List<T> l) {
    return l == null ? List.of() : l;
  }
}
