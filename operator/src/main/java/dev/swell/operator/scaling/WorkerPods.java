package dev.swell.operator.scaling;

import java.util.List;
import java.util.Map;

/**
 * The worker Deployment of a ScalableService as the loop sees it.
 *
 * @param replicas its spec.replicas, null when the Deployment does not exist (yet)
 * @param generation its metadata.generation as the informer saw it, null when it does not exist
 * @param pods names of its pods that are not being deleted
 * @param deletionCosts the pod-deletion-cost annotation of each pod that has one
 */
public record WorkerPods(
    Integer replicas, Long generation, List<String> pods, Map<String, Integer> deletionCosts) {}
