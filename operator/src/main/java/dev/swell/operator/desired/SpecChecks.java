package dev.swell.operator.desired;

import dev.swell.operator.api.Patterns;
import dev.swell.operator.api.Placement;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.PreferredSchedulingTerm;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the API server would refuse in a child but the CRD cannot check: the core/v1 types passed
 * through (tolerations, node affinity, env, resources) have no length limits, so CEL rules walking
 * them exceed the schema's cost budget. Each check throws {@link InvalidSpecException} naming the
 * field, before the child is built, so the last good child stays.
 */
public final class SpecChecks {

  static final Pattern LABEL_KEY = Pattern.compile(Patterns.LABEL_KEY);
  static final Pattern LABEL_VALUE = Pattern.compile(Patterns.LABEL_VALUE);
  static final Set<String> EFFECTS = Set.of("NoSchedule", "PreferNoSchedule", "NoExecute");
  static final Set<String> NODE_OPERATORS =
      Set.of("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt");

  private SpecChecks() {}

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new InvalidSpecException(message);
    }
  }

  private static boolean empty(String s) {
    return s == null || s.isEmpty();
  }

  /**
   * A placement as written, at {@code field} (spec.placement, spec.api.placement...); may be null.
   */
  public static void placement(Placement p, String field) {
    if (p == null) {
      return;
    }
    if (p.nodeSelector != null) {
      p.nodeSelector.forEach(
          (k, v) ->
              check(
                  v != null && LABEL_VALUE.matcher(v).matches(),
                  field
                      + ".nodeSelector["
                      + k
                      + "] must be a label value (at most 63 letters,"
                      + " digits, '-', '_' or '.'), got \""
                      + v
                      + "\""));
    }
    List<Toleration> tolerations = p.tolerations == null ? List.of() : p.tolerations;
    for (int i = 0; i < tolerations.size(); i++) {
      toleration(tolerations.get(i), field + ".tolerations[" + i + "]");
    }
    if (p.nodeAffinity != null) {
      String at = field + ".nodeAffinity";
      var required = p.nodeAffinity.getRequiredDuringSchedulingIgnoredDuringExecution();
      if (required != null) {
        List<NodeSelectorTerm> terms =
            required.getNodeSelectorTerms() == null ? List.of() : required.getNodeSelectorTerms();
        for (int i = 0; i < terms.size(); i++) {
          term(
              terms.get(i),
              at + ".requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[" + i + "]");
        }
      }
      List<PreferredSchedulingTerm> preferred =
          p.nodeAffinity.getPreferredDuringSchedulingIgnoredDuringExecution();
      for (int i = 0; preferred != null && i < preferred.size(); i++) {
        String pt = at + ".preferredDuringSchedulingIgnoredDuringExecution[" + i + "]";
        Integer weight = preferred.get(i).getWeight();
        check(
            weight != null && weight >= 1 && weight <= 100,
            pt + ".weight must be 1 to 100, got " + weight);
        check(preferred.get(i).getPreference() != null, pt + ".preference is required");
        term(preferred.get(i).getPreference(), pt + ".preference");
      }
    }
  }

  private static void toleration(Toleration t, String field) {
    String op = empty(t.getOperator()) ? "Equal" : t.getOperator();
    check(
        op.equals("Equal") || op.equals("Exists"),
        field + ".operator must be Equal or Exists, got \"" + t.getOperator() + "\"");
    check(
        empty(t.getKey()) ? op.equals("Exists") : LABEL_KEY.matcher(t.getKey()).matches(),
        empty(t.getKey())
            ? field + ".key may be empty only with operator Exists"
            : field + ".key must be a label key, got \"" + t.getKey() + "\"");
    check(
        op.equals("Exists")
            ? empty(t.getValue())
            : LABEL_VALUE
                .matcher(String.valueOf(t.getValue() == null ? "" : t.getValue()))
                .matches(),
        op.equals("Exists")
            ? field + ".value must be empty with operator Exists"
            : field + ".value must be a label value, got \"" + t.getValue() + "\"");
    check(
        empty(t.getEffect()) || EFFECTS.contains(t.getEffect()),
        field
            + ".effect must be NoSchedule, PreferNoSchedule or NoExecute, got \""
            + t.getEffect()
            + "\"");
    check(
        t.getTolerationSeconds() == null || "NoExecute".equals(t.getEffect()),
        field + ".tolerationSeconds needs effect NoExecute");
  }

  private static void term(NodeSelectorTerm term, String field) {
    List<NodeSelectorRequirement> expressions =
        term.getMatchExpressions() == null ? List.of() : term.getMatchExpressions();
    for (int i = 0; i < expressions.size(); i++) {
      requirement(expressions.get(i), field + ".matchExpressions[" + i + "]");
    }
    List<NodeSelectorRequirement> fields =
        term.getMatchFields() == null ? List.of() : term.getMatchFields();
    for (int i = 0; i < fields.size(); i++) {
      String at = field + ".matchFields[" + i + "]";
      NodeSelectorRequirement r = fields.get(i);
      check(
          "metadata.name".equals(r.getKey()),
          at + ".key must be metadata.name, got \"" + r.getKey() + "\"");
      check(
          ("In".equals(r.getOperator()) || "NotIn".equals(r.getOperator()))
              && r.getValues() != null
              && r.getValues().size() == 1,
          at + " must be In or NotIn with exactly one node name");
    }
  }

  private static void requirement(NodeSelectorRequirement r, String field) {
    check(
        r.getKey() != null && LABEL_KEY.matcher(r.getKey()).matches(),
        field + ".key must be a label key, got \"" + r.getKey() + "\"");
    check(
        NODE_OPERATORS.contains(String.valueOf(r.getOperator())),
        field
            + ".operator must be one of "
            + NODE_OPERATORS.stream().sorted().toList()
            + ", got \""
            + r.getOperator()
            + "\"");
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    switch (r.getOperator()) {
      case "In", "NotIn" -> {
        check(!values.isEmpty(), field + ".values must not be empty with " + r.getOperator());
        for (String v : values) {
          check(
              LABEL_VALUE.matcher(String.valueOf(v)).matches(),
              field + ".values must be label values, got \"" + v + "\"");
        }
      }
      case "Exists", "DoesNotExist" ->
          check(values.isEmpty(), field + ".values must be empty with " + r.getOperator());
      default ->
          check(
              values.size() == 1 && values.get(0) != null && values.get(0).matches("-?[0-9]+"),
              field
                  + ".values must be one whole number with "
                  + r.getOperator()
                  + ", got "
                  + values);
    }
  }

  /**
   * Environment variable names the API server takes (any printable ASCII but '='); the contract's
   * names are refused by the CRD.
   */
  public static void env(List<EnvVar> env, String field) {
    for (int i = 0; env != null && i < env.size(); i++) {
      String name = env.get(i).getName();
      check(
          name != null
              && !name.isEmpty()
              && name.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f && ch != '='),
          field + "[" + i + "].name must be printable ASCII without '=', got \"" + name + "\"");
    }
  }

  /**
   * Resource names that are names, quantities that parse and are not negative, and no request above
   * its limit.
   */
  public static void resources(ResourceRequirements r, String field) {
    if (r == null) {
      return;
    }
    Map<String, BigDecimal> limits = amounts(r.getLimits(), field + ".limits");
    Map<String, BigDecimal> requests = amounts(r.getRequests(), field + ".requests");
    requests.forEach(
        (name, request) -> {
          BigDecimal limit = limits.get(name);
          check(
              limit == null || request.compareTo(limit) <= 0,
              field
                  + ".requests."
                  + name
                  + " ("
                  + r.getRequests().get(name)
                  + ") must not exceed"
                  + " limits."
                  + name
                  + " ("
                  + r.getLimits().get(name)
                  + ")");
        });
  }

  private static Map<String, BigDecimal> amounts(Map<String, Quantity> given, String field) {
    if (given == null) {
      return Map.of();
    }
    Map<String, BigDecimal> out = new HashMap<>();
    given.forEach(
        (name, q) -> {
          check(
              LABEL_KEY.matcher(name).matches(),
              field + " has a resource name that is no name: \"" + name + "\"");
          BigDecimal amount;
          try {
            amount = Quantity.getAmountInBytes(q);
          } catch (RuntimeException e) {
            throw new InvalidSpecException(
                field
                    + "."
                    + name
                    + " must be a quantity such as 500m or 256Mi, got \""
                    + q
                    + "\"");
          }
          check(amount.signum() >= 0, field + "." + name + " must not be negative, got " + q);
          out.put(name, amount);
        });
    return out;
  }
}
