package dev.swell.operator.scaling;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * The api Deployment of a ScalableService as the loop sees it.
 *
 * @param replicas its spec.replicas, null when the Deployment does not exist (yet)
 * @param generation its metadata.generation as the informer saw it, null when it does not exist
 * @param pods its pods that are not being deleted
 */
public record ApiPods(Integer replicas, Long generation, List<Pod> pods) {

  /** Whether the pod is Ready (its probes pass) and has an IP to read it at. */
  public static boolean ready(Pod p) {
    return p.getStatus() != null
        && p.getStatus().getPodIP() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
