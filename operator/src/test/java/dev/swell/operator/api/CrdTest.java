package dev.swell.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed CRD in crds/ is what the model generates: `make crds` rewrites it (running this
 * test with -Dswell.crds.update=true), and this test fails when someone changed the model without.
 * Also checks what kubectl users rely on: short name, status subresource, column order.
 */
class CrdTest {

  static final Path GENERATED =
      Path.of("target/classes/META-INF/fabric8/scalableservices.swell.dev-v1.yml");
  static final Path COMMITTED = Path.of("../crds/scalableservices.swell.dev.yaml");
  static final List<String> COLUMN_ORDER = List.of("Ready", "API", "Workers", "Backlog", "Age");
  static final String HEADER =
      "# Generated from operator/src/main/java/dev/swell/operator/api by `make crds`. Do not edit.\n";

  /** The CRD as it should be committed: generated, with the printer columns in reading order. */
  static String expectedCrd() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(GENERATED), CustomResourceDefinition.class);
    for (CustomResourceDefinitionVersion v : crd.getSpec().getVersions()) {
      List<CustomResourceColumnDefinition> columns =
          new ArrayList<>(v.getAdditionalPrinterColumns());
      columns.sort(Comparator.comparingInt(c -> COLUMN_ORDER.indexOf(c.getName())));
      v.setAdditionalPrinterColumns(columns);
    }
    return HEADER + Serialization.asYaml(crd);
  }

  @Test
  void committedCrdIsTheGeneratedOne() throws IOException {
    String expected = expectedCrd();
    if (Boolean.getBoolean("swell.crds.update")) {
      Files.writeString(COMMITTED, expected);
    }
    assertThat(Files.exists(COMMITTED)).as("crds/ has the CRD; run `make crds`").isTrue();
    String[] committed = Files.readString(COMMITTED).split("\n", -1);
    String[] generated = expected.split("\n", -1);
    for (int i = 0; i < Math.max(committed.length, generated.length); i++) {
      String c = i < committed.length ? committed[i] : "<end of file>";
      String g = i < generated.length ? generated[i] : "<end of file>";
      assertThat(c)
          .as(
              "crds/scalableservices.swell.dev.yaml is out of date with the Java model at line %d:"
                  + " run `make crds` and commit it",
              i + 1)
          .isEqualTo(g);
    }
  }

  @Test
  void kubectlSeesShortNameStatusAndColumnsInOrder() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(COMMITTED), CustomResourceDefinition.class);
    assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("ssvc");
    CustomResourceDefinitionVersion v1alpha1 = crd.getSpec().getVersions().get(0);
    assertThat(v1alpha1.getName()).isEqualTo("v1alpha1");
    assertThat(v1alpha1.getSubresources().getStatus()).isNotNull();
    assertThat(v1alpha1.getAdditionalPrinterColumns())
        .extracting(CustomResourceColumnDefinition::getName)
        .containsExactlyElementsOf(COLUMN_ORDER);
  }

  @Test
  void everySpecFieldIsDescribedForKubectlExplain() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(Files.readString(COMMITTED), CustomResourceDefinition.class);
    var spec =
        crd.getSpec()
            .getVersions()
            .get(0)
            .getSchema()
            .getOpenAPIV3Schema()
            .getProperties()
            .get("spec");
    List<String> undescribed = new ArrayList<>();
    spec.getProperties()
        .forEach(
            (name, prop) -> {
              if (prop.getDescription() == null || prop.getDescription().isBlank()) {
                undescribed.add("spec." + name);
              }
            });
    assertThat(undescribed).as("fields without @JsonPropertyDescription").isEmpty();
  }
}
