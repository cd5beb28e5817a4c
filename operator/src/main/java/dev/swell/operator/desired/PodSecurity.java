package dev.swell.operator.desired;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The restricted Pod Security Standard for every pod the operator creates: non-root, no privilege
 * escalation, read-only root filesystem, all capabilities dropped, seccomp RuntimeDefault; and
 * resource requests when the spec has none (the HPA needs them to compute utilization).
 */
public final class PodSecurity {

  /** The uid of the app images (Jib's distroless-style nonroot user). */
  public static final long APP_UID = 65532L;

  /** The uid of the redis user in the official Redis images. */
  public static final long REDIS_UID = 999L;

  private PodSecurity() {}

  public static PodSecurityContext pod(long uid) {
    return new PodSecurityContextBuilder()
        .withRunAsNonRoot(true)
        .withRunAsUser(uid)
        .withRunAsGroup(uid)
        .withFsGroup(uid)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  public static SecurityContext container() {
    return new SecurityContextBuilder()
        .withAllowPrivilegeEscalation(false)
        .withReadOnlyRootFilesystem(true)
        .withRunAsNonRoot(true)
        .withCapabilities(new Capabilities(null, List.of("ALL")))
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .build();
  }

  /** The given resources with cpu and memory requests filled in where missing. */
  public static ResourceRequirements withDefaultRequests(
      ResourceRequirements given, String cpu, String memory) {
    Map<String, Quantity> requests = new LinkedHashMap<>();
    Map<String, Quantity> limits = new LinkedHashMap<>();
    if (given != null && given.getRequests() != null) {
      requests.putAll(given.getRequests());
    }
    if (given != null && given.getLimits() != null) {
      limits.putAll(given.getLimits());
    }
    // a limit without a request makes the request equal the limit; keep that meaning
    requests.putIfAbsent("cpu", limits.getOrDefault("cpu", new Quantity(cpu)));
    requests.putIfAbsent("memory", limits.getOrDefault("memory", new Quantity(memory)));
    ResourceRequirements r = new ResourceRequirements();
    r.setRequests(requests);
    r.setLimits(limits.isEmpty() ? null : limits);
    return r;
  }
}
