package dev.swell.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Builds the condition list: always the full set of {@link ConditionType}, each with the generation
 * it describes, and {@code lastTransitionTime} carried over unless the status changed.
 */
final class Conditions {

  private final long generation;
  private final Instant now;
  private final Map<String, Condition> previous;
  private final List<Condition> built = new ArrayList<>();

  Conditions(long generation, Instant now, List<Condition> previous) {
    this.generation = generation;
    this.now = now;
    this.previous =
        previous == null
            ? Map.of()
            : previous.stream()
                .collect(Collectors.toMap(Condition::getType, Function.identity(), (a, b) -> b));
  }

  Conditions set(ConditionType type, boolean status, String reason, String message) {
    String value = status ? "True" : "False";
    Condition before = previous.get(type.name());
    String since =
        before != null && Objects.equals(before.getStatus(), value)
            ? before.getLastTransitionTime()
            : now.toString();
    built.add(
        new ConditionBuilder()
            .withType(type.name())
            .withStatus(value)
            .withReason(reason)
            .withMessage(message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(since)
            .build());
    return this;
  }

  /**
   * Sets the condition as it was before this build (its generation brought up to date); false when
   * there was none.
   */
  boolean keep(ConditionType type) {
    Condition before = previous.get(type.name());
    if (before == null) {
      return false;
    }
    built.add(new ConditionBuilder(before).withObservedGeneration(generation).build());
    return true;
  }

  /** The status of a condition set earlier in this build. */
  boolean isTrue(ConditionType type) {
    return built.stream()
        .anyMatch(c -> c.getType().equals(type.name()) && "True".equals(c.getStatus()));
  }

  Condition get(ConditionType type) {
    return built.stream().filter(c -> c.getType().equals(type.name())).findFirst().orElseThrow();
  }

  /** Whether the condition's status differs from the one before this build (a transition). */
  boolean changed(ConditionType type) {
    Condition before = previous.get(type.name());
    return before == null || !Objects.equals(before.getStatus(), get(type).getStatus());
  }

  /** The conditions set in this build, and the previous ones of every other type, in order. */
  List<Condition> listKeepingTheRest() {
    List<Condition> ordered = new ArrayList<>();
    for (ConditionType t : ConditionType.values()) {
      built.stream()
          .filter(c -> c.getType().equals(t.name()))
          .findFirst()
          .or(() -> Optional.ofNullable(previous.get(t.name())))
          .ifPresent(ordered::add);
    }
    return ordered;
  }

  /** The reason the condition had before this build, or null. */
  String previousReason(ConditionType type) {
    Condition before = previous.get(type.name());
    return before == null ? null : before.getReason();
  }

  List<Condition> list() {
    List<Condition> ordered = new ArrayList<>();
    for (ConditionType t : ConditionType.values()) {
      built.stream().filter(c -> c.getType().equals(t.name())).findFirst().ifPresent(ordered::add);
    }
    return ordered;
  }
}
