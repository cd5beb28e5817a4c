package dev.swell.operator.it;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Installs the committed CRD (crds/) into a real API server and waits until it is served. */
public final class Crds {

  public static final Path DIR = Path.of(System.getProperty("swell.crds.dir", "../crds"));

  private Crds() {}

  public static CustomResourceDefinition install(KubernetesClient client) {
    CustomResourceDefinition crd =
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .load(DIR.resolve("scalableservices.swell.dev.yaml").toFile())
            .item();
    client.resource(crd).forceConflicts().serverSideApply();
    client
        .apiextensions()
        .v1()
        .customResourceDefinitions()
        .withName(crd.getMetadata().getName())
        .waitUntilCondition(
            c ->
                c != null
                    && c.getStatus() != null
                    && c.getStatus().getConditions() != null
                    && c.getStatus().getConditions().stream()
                        .anyMatch(
                            x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
            Duration.ofSeconds(30).toMillis(),
            TimeUnit.MILLISECONDS);
    return crd;
  }
}
