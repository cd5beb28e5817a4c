package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;

/** The queue worker component. */
public class WorkerSpec {

  @Default("true")
  @JsonPropertyDescription("false removes the worker's Deployment and PodDisruptionBudget.")
  public Boolean enabled = true;

  @Size(min = 1)
  @JsonPropertyDescription("Image of the worker; default spec.image.")
  public String image;

  @Size(max = 128)
  @ValidationRule(value = EnvContract.RULE, message = "spec.worker." + EnvContract.MESSAGE)
  @JsonPropertyDescription(
      "Extra environment variables of the worker container (core/v1 EnvVar), at most 128; not the"
          + " names Swell sets (SWELL_COMPONENT, PORT, POD_NAME, REDIS_*, QUEUE_KEY, CACHE_TTL_SECONDS,"
          + " RATE_LIMIT_*).")
  public List<EnvVar> env;

  @JsonPropertyDescription(
      "Requests and limits of the worker container; requests default to "
          + Defaults.CPU_REQUEST
          + " CPU and "
          + Defaults.MEMORY_REQUEST
          + " memory.")
  public ResourceRequirements resources;

  @Min(1)
  @Max(86400)
  @Default("" + Defaults.WORKER_GRACE_PERIOD_SECONDS)
  @JsonPropertyDescription(
      "Seconds a worker has to finish its batch after SIGTERM, 1 to 86400 (0 would kill it mid-batch). Default 60.")
  public Long terminationGracePeriodSeconds = Defaults.WORKER_GRACE_PERIOD_SECONDS;

  @Required
  @JsonPropertyDescription(
      "The Redis list the api pushes jobs to and the workers take them from, and the backlog target.")
  public QueueSpec queue;

  @JsonPropertyDescription(
      "How the operator scales the workers from the queue. No HPA targets the worker.")
  public WorkerAutoscaling autoscaling;

  @JsonPropertyDescription(
      "PodDisruptionBudget of the worker, made when it can run 2 or more replicas. Default maxUnavailable 1 (a drain takes one worker at a time; their work survives them).")
  public DisruptionBudgetSpec disruptionBudget;

  @ValidationRule(
      value = PodTemplateRules.NO_SWELL_LABELS,
      message = "spec.worker." + PodTemplateRules.NO_SWELL_LABELS_MESSAGE,
      fieldPath = ".metadata.labels")
  @ValidationRule(
      value = PodTemplateRules.NO_HOST_NAMESPACES,
      message = "spec.worker." + PodTemplateRules.NO_HOST_NAMESPACES_MESSAGE,
      fieldPath = ".spec")
  @ValidationRule(
      value = PodTemplateRules.NO_GRACE_PERIOD,
      message = PodTemplateRules.NO_GRACE_PERIOD_MESSAGE,
      fieldPath = ".spec.terminationGracePeriodSeconds")
  @JsonPropertyDescription(
      "The worker pods' own shape, as in a Deployment (core/v1 PodTemplateSpec: see kubectl explain"
          + " pod). The container named worker, else the first, is the app; the others are"
          + " sidecars. Command, args, ports, probes, volumes, init containers, envFrom,"
          + " serviceAccountName, imagePullSecrets, priorityClassName, labels and annotations pass"
          + " through. Swell adds its labels, the env contract, placement, image (when the app"
          + " container has none), resources (spec.worker.resources wins), and restricted security"
          + " settings wherever the template leaves them unset; with a template, the app's probes"
          + " are the template's (none if it has none) and its user the image's unless set here.")
  public PodTemplateSpec podTemplate;

  @JsonPropertyDescription(
      "Placement of the worker pods; each field set here replaces the same field of spec.placement.")
  public Placement placement;
}
