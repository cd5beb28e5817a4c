package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.util.List;

/** The HTTP api component. */
@ValidationRule(
    value =
        "!has(self.ingress) || !has(self.ingress.trustedProxies) || !has(self.env)"
            + " || !self.env.exists(e, e.name == '"
            + EnvContract.TRUSTED_PROXIES
            + "')",
    message =
        "spec.api.env must not set TRUSTED_PROXIES when spec.api.ingress.trustedProxies does:"
            + " keep one",
    fieldPath = ".env")
public class ApiSpec {

  @Default("true")
  @JsonPropertyDescription(
      "false removes the api's Deployment, Service, HPA, PodDisruptionBudget and Ingress.")
  public Boolean enabled = true;

  @Size(min = 1)
  @JsonPropertyDescription("Image of the api; default spec.image.")
  public String image;

  @Min(1)
  @Max(65535)
  @Default("" + Defaults.PORT)
  @JsonPropertyDescription("HTTP port of the api container and Service (1-65535). Default 8080.")
  public Integer port = Defaults.PORT;

  @Size(max = 128)
  @ValidationRule(value = EnvContract.RULE, message = "spec.api." + EnvContract.MESSAGE)
  @JsonPropertyDescription(
      "Extra environment variables of the api container (core/v1 EnvVar), at most 128; not the"
          + " names Swell sets (SWELL_COMPONENT, PORT, POD_NAME, REDIS_*, QUEUE_KEY, CACHE_TTL_SECONDS,"
          + " RATE_LIMIT_*).")
  public List<EnvVar> env;

  @JsonPropertyDescription(
      "Requests and limits of the api container; requests default to "
          + Defaults.CPU_REQUEST
          + " CPU and "
          + Defaults.MEMORY_REQUEST
          + " memory.")
  public ResourceRequirements resources;

  @Min(0)
  @Max(1000)
  @JsonPropertyDescription("Fixed replica count, used only when autoscaling is absent. Default 1.")
  public Integer replicas;

  @JsonPropertyDescription(
      "Scale the api: with cpu and memory only, an autoscaling/v2 HorizontalPodAutoscaler owns"
          + " spec.replicas; with requestsPerSecond, concurrency or latency among the metrics,"
          + " Swell does.")
  public ApiAutoscaling autoscaling;

  @JsonPropertyDescription("Cache-aside settings, passed to the app as CACHE_TTL_SECONDS.")
  public CacheSpec cache;

  @JsonPropertyDescription(
      "Per-client token bucket, passed to the app as RATE_LIMIT_RPS and RATE_LIMIT_BURST.")
  public RateLimitSpec rateLimit;

  @JsonPropertyDescription("Expose the api through an Ingress. Absent: no Ingress.")
  public IngressSpec ingress;

  @JsonPropertyDescription(
      "PodDisruptionBudget of the api, made when it can run 2 or more replicas. Default minAvailable 1 (one pod keeps serving).")
  public DisruptionBudgetSpec disruptionBudget;

  @ValidationRule(
      value = PodTemplateRules.NO_SWELL_LABELS,
      message = "spec.api." + PodTemplateRules.NO_SWELL_LABELS_MESSAGE,
      fieldPath = ".metadata.labels")
  @ValidationRule(
      value = PodTemplateRules.NO_HOST_NAMESPACES,
      message = "spec.api." + PodTemplateRules.NO_HOST_NAMESPACES_MESSAGE,
      fieldPath = ".spec")
  @JsonPropertyDescription(
      "The api pods' own shape, as in a Deployment (core/v1 PodTemplateSpec: see kubectl explain"
          + " pod). The container named api, else the first, is the app; the others are"
          + " sidecars. Command, args, ports, probes, volumes, init containers, envFrom,"
          + " serviceAccountName, imagePullSecrets, priorityClassName, labels and annotations pass"
          + " through. Swell adds its labels, the env contract, placement, image (when the app"
          + " container has none), resources (spec.api.resources wins), and restricted security"
          + " settings wherever the template leaves them unset; with a template, the app's probes"
          + " are the template's (none if it has none) and its user the image's unless set here.")
  public PodTemplateSpec podTemplate;

  @JsonPropertyDescription(
      "Placement of the api pods; each field set here replaces the same field of spec.placement.")
  public Placement placement;
}
