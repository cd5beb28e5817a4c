package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Replica counts of one component's Deployment. */
public class ComponentStatus {
  @JsonPropertyDescription("Pods the Deployment has.")
  public Integer replicas;

  @JsonPropertyDescription("Pods that are ready.")
  public Integer readyReplicas;

  @JsonPropertyDescription(
      "Replicas the Deployment is asked for (by the HPA for the api, by the operator for the worker).")
  public Integer desiredReplicas;

  @JsonPropertyDescription("readyReplicas/desiredReplicas, as kubectl get shows it.")
  public String summary;
}
