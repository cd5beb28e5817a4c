package dev.swell.operator.scaling;

import java.util.Map;

/** Applies the queue autoscaler's decisions to the cluster. */
public interface ReplicaRealizer {

  /** Sets the Deployment's replicas; returns its metadata.generation after the write. */
  long scale(String namespace, String deployment, int replicas);

  /**
   * Sets each pod's deletion cost: busy pods (value > 0) are removed last by the ReplicaSet on a
   * scale-down; a null value clears the annotation.
   */
  void setDeletionCosts(String namespace, Map<String, Integer> costByPod);
}
