package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.Components;
import dev.swell.operator.desired.DisruptionBudgets;
import dev.swell.operator.desired.RedisResources;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import java.util.function.Predicate;

/**
 * When an optional child exists. A child whose condition turns false is deleted, so disabling a
 * component (or Redis) removes its children.
 */
public final class When {

  private When() {}

  abstract static class SpecCondition implements Condition<HasMetadata, ScalableService> {
    private final Predicate<ScalableService> test;

    SpecCondition(Predicate<ScalableService> test) {
      this.test = test;
    }

    @Override
    public boolean isMet(
        DependentResource<HasMetadata, ScalableService> dependent,
        ScalableService primary,
        Context<ScalableService> context) {
      return test.test(primary);
    }
  }

  public static class ApiEnabled extends SpecCondition {
    public ApiEnabled() {
      super(Components::api);
    }
  }

  /** The api's HPA: autoscaling on cpu and memory only (Swell scales on anything else). */
  public static class ApiAutoscaled extends SpecCondition {
    public ApiAutoscaled() {
      super(
          s ->
              Components.api(s)
                  && s.getSpec().api.autoscaling != null
                  && !s.getSpec().api.autoscaling.bySwell());
    }
  }

  public static class ApiExposed extends SpecCondition {
    public ApiExposed() {
      super(s -> Components.api(s) && s.getSpec().api.ingress != null);
    }
  }

  public static class ApiBudgeted extends SpecCondition {
    public ApiBudgeted() {
      super(DisruptionBudgets::apiNeeded);
    }
  }

  public static class WorkerEnabled extends SpecCondition {
    public WorkerEnabled() {
      super(Components::worker);
    }
  }

  public static class WorkerBudgeted extends SpecCondition {
    public WorkerBudgeted() {
      super(DisruptionBudgets::workerNeeded);
    }
  }

  public static class RedisClaimed extends SpecCondition {
    public RedisClaimed() {
      super(RedisResources::claimed);
    }
  }

  public static class RedisManaged extends SpecCondition {
    public RedisManaged() {
      super(Components::managedRedis);
    }
  }
}
