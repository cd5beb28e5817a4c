package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One service, whole: an API scaled by an HPA, queue workers scaled by the operator from the length
 * of their Redis queue, a managed or external Redis, and where their pods run.
 */
@ValidationRule(
    value =
        "size(self.metadata.name) <= 57 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message =
        "metadata.name must be a DNS-1035 label (lower case letters, digits and '-', starting with a"
            + " letter) of at most 57 characters: the Services <name>-api and <name>-redis are"
            + " DNS-1035 labels of at most 63")
@Group(ScalableService.GROUP)
@Version(ScalableService.VERSION)
@ShortNames("ssvc")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(name = "API", jsonPath = ".status.api.summary")
@AdditionalPrinterColumn(name = "Workers", jsonPath = ".status.worker.summary")
@AdditionalPrinterColumn(
    name = "Backlog",
    jsonPath = ".status.worker.backlog",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ScalableService extends CustomResource<ScalableServiceSpec, ScalableServiceStatus>
    implements Namespaced {

  public static final String GROUP = "swell.dev";
  public static final String VERSION = "v1alpha1";

  /** Annotation that freezes every replica count the operator owns while it is "true". */
  public static final String PAUSED_ANNOTATION = "swell.dev/paused";

  @JsonIgnore
  public boolean isPaused() {
    return getMetadata() != null
        && getMetadata().getAnnotations() != null
        && "true".equalsIgnoreCase(getMetadata().getAnnotations().get(PAUSED_ANNOTATION));
  }
}
