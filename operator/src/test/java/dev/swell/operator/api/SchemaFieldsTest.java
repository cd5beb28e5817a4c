package dev.swell.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.swell.operator.desired.DisruptionBudgets;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every field the CRD accepts is read by the operator (or rejected by the schema): a walk over the
 * generated CRD's spec, each field matched to its Java accessor, and the operator's compiled code
 * (outside this model package) searched for a read of it. Where the operator hands an object to a
 * child whole (an EnvVar list to the container, a behavior to the HPA), the fields under it are the
 * API server's to read, and only the hand-over is looked for.
 */
class SchemaFieldsTest {

  static final Path GENERATED = CrdTest.GENERATED;
  static final Path CLASSES = Path.of("target/classes");

  /** Objects given to a child as they are, and where they go. */
  static final Map<String, String> PASSED_THROUGH =
      Map.ofEntries(
          Map.entry("spec.api.podTemplate", "the api Deployment's pod template (PodTemplates)"),
          Map.entry(
              "spec.worker.podTemplate", "the worker Deployment's pod template (PodTemplates)"),
          Map.entry("spec.api.env", "the api container's env"),
          Map.entry("spec.worker.env", "the worker container's env"),
          Map.entry("spec.api.resources", "the api container's resources"),
          Map.entry("spec.worker.resources", "the worker container's resources"),
          Map.entry("spec.redis.managed.resources", "the Redis container's resources"),
          Map.entry("spec.api.autoscaling.behavior", "the api HPA's spec.behavior"),
          Map.entry("spec.api.disruptionBudget.minAvailable", "the api PDB"),
          Map.entry("spec.api.disruptionBudget.maxUnavailable", "the api PDB"),
          Map.entry("spec.worker.disruptionBudget.minAvailable", "the worker PDB"),
          Map.entry("spec.worker.disruptionBudget.maxUnavailable", "the worker PDB"),
          Map.entry("spec.placement.tolerations", "the pods' tolerations"),
          Map.entry("spec.api.placement.tolerations", "the api pods' tolerations"),
          Map.entry("spec.worker.placement.tolerations", "the worker pods' tolerations"),
          Map.entry(
              "spec.placement.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution",
              "the pods' node affinity"),
          Map.entry(
              "spec.api.placement.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution",
              "the api pods' node affinity"),
          Map.entry(
              "spec.worker.placement.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution",
              "the worker pods' node affinity"));

  static Set<String> fieldReads;
  static Set<String> methodCalls;

  @BeforeAll
  static void scanTheOperatorsCode() throws IOException {
    fieldReads = new HashSet<>();
    methodCalls = new HashSet<>();
    try (Stream<Path> files = Files.walk(CLASSES)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        if (CLASSES.relativize(f).toString().startsWith("dev/swell/operator/api/")) {
          continue; // the model reading itself does not count
        }
        try (InputStream in = Files.newInputStream(f)) {
          ConstantPool.references(in, fieldReads, methodCalls);
        }
      }
    }
  }

  @Test
  void everyFieldTheCrdAcceptsIsReadByTheOperator() {
    Map<String, Object> spec = schemaOf("spec");
    List<String> unread = new ArrayList<>();
    walk("spec", spec, ScalableServiceSpec.class, unread);
    assertThat(unread)
        .as(
            "fields the CRD accepts that no operator code reads: use them, or reject them in the"
                + " schema")
        .isEmpty();
  }

  @Test
  void kubectlExplainStatesTheBudgetsTheOperatorWrites() {
    Map<String, Object> worker = properties(schemaOf("spec")).get("worker");
    Map<String, Object> api = properties(schemaOf("spec")).get("api");
    assertThat((String) properties(worker).get("disruptionBudget").get("description"))
        .contains(
            "Default maxUnavailable "
                + DisruptionBudgets.WORKER_DEFAULT_MAX_UNAVAILABLE.getIntVal());
    assertThat((String) properties(api).get("disruptionBudget").get("description"))
        .contains(
            "Default minAvailable " + DisruptionBudgets.API_DEFAULT_MIN_AVAILABLE.getIntVal());
  }

  @Test
  void theWalkFindsAFieldNoCodeReads() {
    // the test's own check: a model class with a field nothing reads is reported
    List<String> unread = new ArrayList<>();
    walk(
        "probe",
        Map.of("properties", Map.of("neverRead", Map.of("type", "string"))),
        Probe.class,
        unread);
    assertThat(unread).containsExactly("probe.neverRead");
  }

  static class Probe {
    public String neverRead;
  }

  @SuppressWarnings("unchecked")
  static void walk(String path, Map<String, Object> schema, Class<?> type, List<String> unread) {
    Map<String, Object> items = (Map<String, Object>) schema.get("items");
    if (items != null) {
      walk(path, items, type, unread);
      return;
    }
    Map<String, Map<String, Object>> properties = properties(schema);
    if (properties.isEmpty()) {
      Object extra = schema.get("additionalProperties");
      if (extra instanceof Map<?, ?> m) {
        walk(path, (Map<String, Object>) m, type, unread);
      }
      return;
    }
    for (Map.Entry<String, Map<String, Object>> p : properties.entrySet()) {
      String child = path + "." + p.getKey();
      Accessor accessor = accessor(type, p.getKey());
      if (accessor == null) {
        unread.add(child + " (no Java field or getter of " + type.getName() + ")");
        continue;
      }
      if (!accessor.read()) {
        unread.add(child);
        continue;
      }
      if (!PASSED_THROUGH.containsKey(child)) {
        walk(child, p.getValue(), accessor.valueType(), unread);
      }
    }
  }

  /**
   * How the model holds a property: its Java type (element type of a list or map), and whether code
   * reads it.
   */
  record Accessor(Class<?> valueType, boolean read) {}

  static Accessor accessor(Class<?> type, String property) {
    String owner = type.getName().replace('.', '/');
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        JsonProperty named = f.getAnnotation(JsonProperty.class);
        String name = named != null && !named.value().isEmpty() ? named.value() : f.getName();
        if (!name.equals(property)) {
          continue;
        }
        String getter =
            (f.getType() == Boolean.class || f.getType() == boolean.class ? "is" : "get")
                + Character.toUpperCase(f.getName().charAt(0))
                + f.getName().substring(1);
        boolean read =
            fieldReads.contains(c.getName().replace('.', '/') + "." + f.getName())
                || methodCalls.contains(owner + "." + getter)
                || methodCalls.contains(
                    owner
                        + ".get"
                        + Character.toUpperCase(f.getName().charAt(0))
                        + f.getName().substring(1));
        return new Accessor(elementType(f.getGenericType()), read);
      }
    }
    return null;
  }

  static Class<?> elementType(Type t) {
    if (t instanceof ParameterizedType p) {
      Type[] args = p.getActualTypeArguments();
      return elementType(args[args.length - 1]);
    }
    return t instanceof Class<?> c ? c : Object.class;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> schemaOf(String top) {
    try {
      Map<String, Object> crd = Serialization.unmarshal(Files.readString(GENERATED), Map.class);
      Map<String, Object> version =
          ((List<Map<String, Object>>) ((Map<String, Object>) crd.get("spec")).get("versions"))
              .get(0);
      Map<String, Object> schema =
          (Map<String, Object>)
              ((Map<String, Object>) version.get("schema")).get("openAPIV3Schema");
      return properties(schema).get(top);
    } catch (IOException e) {
      throw new IllegalStateException(
          "the generated CRD " + GENERATED + " (mvn compile makes it)", e);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Map<String, Object>> properties(Map<String, Object> schema) {
    Object p = schema.get("properties");
    return p == null ? Map.of() : (Map<String, Map<String, Object>>) p;
  }

  /** Reads the field and method references of a class file's constant pool (JVMS 4.4). */
  static final class ConstantPool {
    static void references(InputStream raw, Set<String> fields, Set<String> methods)
        throws IOException {
      DataInputStream in = new DataInputStream(raw);
      in.readInt(); // magic
      in.readUnsignedShort();
      in.readUnsignedShort();
      int count = in.readUnsignedShort();
      String[] utf8 = new String[count];
      int[] classNames = new int[count];
      int[][] nameAndTypes = new int[count][];
      List<int[]> fieldRefs = new ArrayList<>();
      List<int[]> methodRefs = new ArrayList<>();
      for (int i = 1; i < count; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1 -> utf8[i] = in.readUTF();
          case 3, 4 -> in.readInt();
          case 5, 6 -> {
            in.readLong();
            i++;
          }
          case 7 -> classNames[i] = in.readUnsignedShort();
          case 8, 16, 19, 20 -> in.readUnsignedShort();
          case 9 -> fieldRefs.add(new int[] {in.readUnsignedShort(), in.readUnsignedShort()});
          case 10, 11 -> methodRefs.add(new int[] {in.readUnsignedShort(), in.readUnsignedShort()});
          case 12 -> nameAndTypes[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
          case 15 -> {
            in.readUnsignedByte();
            in.readUnsignedShort();
          }
          case 17, 18 -> in.readInt();
          default -> throw new IOException("constant pool tag " + tag);
        }
      }
      for (int[] r : fieldRefs) {
        fields.add(utf8[classNames[r[0]]] + "." + utf8[nameAndTypes[r[1]][0]]);
      }
      for (int[] r : methodRefs) {
        methods.add(utf8[classNames[r[0]]] + "." + utf8[nameAndTypes[r[1]][0]]);
      }
    }
  }
}
