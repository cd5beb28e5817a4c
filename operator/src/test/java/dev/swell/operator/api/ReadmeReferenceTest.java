package dev.swell.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's ScalableService reference stays true to the CRD: every field it shows exists in the
 * schema, and every field of the spec's first two levels is shown.
 */
class ReadmeReferenceTest {

  static JsonNode readmeExample() throws IOException {
    String readme = Files.readString(Path.of("../README.md"));
    int section = readme.indexOf("## The ScalableService");
    int start = readme.indexOf("```yaml", section) + "```yaml".length();
    int end = readme.indexOf("```", start);
    return new ObjectMapper(new YAMLFactory()).readTree(readme.substring(start, end));
  }

  static JSONSchemaProps specSchema() throws IOException {
    CustomResourceDefinition crd =
        Serialization.unmarshal(
            Files.readString(CrdTest.COMMITTED), CustomResourceDefinition.class);
    return crd.getSpec()
        .getVersions()
        .get(0)
        .getSchema()
        .getOpenAPIV3Schema()
        .getProperties()
        .get("spec");
  }

  @Test
  void everyFieldTheReadmeShowsExists() throws IOException {
    List<String> unknown = new ArrayList<>();
    walk("spec", readmeExample().get("spec"), specSchema(), unknown);
    assertThat(unknown).as("fields in README.md that the CRD does not have").isEmpty();
  }

  @Test
  void theReadmeShowsEveryFieldOfTheSpecsFirstTwoLevels() throws IOException {
    JsonNode example = readmeExample().get("spec");
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, JSONSchemaProps> top : specSchema().getProperties().entrySet()) {
      if (!example.has(top.getKey())) {
        missing.add("spec." + top.getKey());
        continue;
      }
      JSONSchemaProps props = top.getValue();
      if (props.getProperties() == null) {
        continue;
      }
      for (String second : props.getProperties().keySet()) {
        boolean optionalDetail =
            top.getKey().equals("redis")
                || second.equals("enabled")
                || second.equals("image")
                || second.equals("port")
                || second.equals("env")
                || second.equals("resources")
                || second.equals("replicas")
                || second.equals("disruptionBudget")
                || second.equals("placement")
                || second.equals("terminationGracePeriodSeconds")
                || second.equals("nodeSelector")
                || second.equals("nodeAffinity")
                || second.equals("tolerations");
        if (!optionalDetail && !example.get(top.getKey()).has(second)) {
          missing.add("spec." + top.getKey() + "." + second);
        }
      }
    }
    assertThat(missing).as("spec fields the README's reference leaves out").isEmpty();
  }

  @Test
  void theCodeMapNamesEveryPackageAndTestsThatExist() throws IOException {
    String readme = Files.readString(Path.of("../README.md"));
    int section = readme.indexOf("## Code map");
    assertThat(section).as("README has a code map").isPositive();
    String table = readme.substring(section, readme.indexOf("\n## ", section + 1));
    Path main = Path.of("src/main/java/dev/swell/operator");
    Path tests = Path.of("src/test/java");
    Set<String> mapped = new TreeSet<>();
    List<String> missingTests = new ArrayList<>();
    for (String line :
        table.lines().filter(l -> l.startsWith("| `") || l.startsWith("| (top)")).toList()) {
      String[] cells = line.split("\\|");
      mapped.add(cells[1].trim().replace("`", ""));
      Matcher m = Pattern.compile("`(\\w+)`").matcher(cells[3]);
      while (m.find()) {
        String test = m.group(1);
        try (var files = Files.walk(tests)) {
          if (files.noneMatch(f -> f.getFileName().toString().equals(test + ".java"))) {
            missingTests.add(test);
          }
        }
      }
    }
    Set<String> packages = new TreeSet<>();
    packages.add("(top)");
    try (var dirs = Files.list(main)) {
      dirs.filter(Files::isDirectory).forEach(d -> packages.add(d.getFileName().toString()));
    }
    assertThat(mapped).as("the code map's packages are the tree's").isEqualTo(packages);
    assertThat(missingTests).as("tests the code map names that do not exist").isEmpty();
  }

  private static void walk(
      String path, JsonNode node, JSONSchemaProps schema, List<String> unknown) {
    if (node == null || !node.isObject() || schema == null || schema.getProperties() == null) {
      return;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      JSONSchemaProps child = schema.getProperties().get(field);
      if (child == null) {
        unknown.add(path + "." + field);
      } else if (child.getType() != null && child.getType().equals("array")) {
        node.get(field)
            .forEach(
                item ->
                    walk(path + "." + field + "[]", item, child.getItems().getSchema(), unknown));
      } else {
        walk(path + "." + field, node.get(field), child, unknown);
      }
    }
  }
}
