package dev.swell.operator.reconciler;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.api.ScalableServiceStatus;
import dev.swell.operator.dependent.ApiBudgetDependent;
import dev.swell.operator.dependent.ApiDeploymentDependent;
import dev.swell.operator.dependent.ApiHpaDependent;
import dev.swell.operator.dependent.ApiIngressDependent;
import dev.swell.operator.dependent.ApiServiceDependent;
import dev.swell.operator.dependent.ChildSelectors;
import dev.swell.operator.dependent.ForeignChildException;
import dev.swell.operator.dependent.OwnFieldsStore;
import dev.swell.operator.dependent.RedisClaimDependent;
import dev.swell.operator.dependent.RedisDeploymentDependent;
import dev.swell.operator.dependent.RedisNetworkPolicyDependent;
import dev.swell.operator.dependent.RedisSecretDependent;
import dev.swell.operator.dependent.RedisServiceDependent;
import dev.swell.operator.dependent.When;
import dev.swell.operator.dependent.WorkerBudgetDependent;
import dev.swell.operator.dependent.WorkerDeploymentDependent;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import dev.swell.operator.desired.Components;
import dev.swell.operator.desired.InvalidSpecException;
import dev.swell.operator.events.Causes;
import dev.swell.operator.events.EventReason;
import dev.swell.operator.events.EventSink;
import dev.swell.operator.scaling.ApiScaling;
import dev.swell.operator.scaling.ApiScalingSnapshot;
import dev.swell.operator.scaling.WorkerScaling;
import dev.swell.operator.scaling.WorkerScalingSnapshot;
import dev.swell.operator.sharding.Ownership;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.AggregatedOperatorException;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a ScalableService: JOSDK's workflow applies the children (one dependent each); this
 * class then starts the worker's queue autoscaler and the api's request autoscaler, judges
 * placement, and writes status and events.
 */
// Not generation-aware: the swell.dev/paused annotation changes metadata, not the generation, and
// must take effect at once. Reconciles caused by our own status writes find nothing to change.
// Every service is reconciled at least every 15 minutes, a safety net for what no watch reports
// (nodes that change under a placement rule): every 5 minutes, 5,000 services made 17 full
// reconciles a second, most of an idle operator's CPU in a profile (JOSDK's matching of each
// child against its desired state).
@ControllerConfiguration(
    name = ScalableServiceReconciler.NAME,
    fieldManager = OwnFieldsStore.MANAGER,
    informer = @Informer(itemStore = OwnFieldsStore.class),
    generationAwareEventProcessing = false,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 15, timeUnit = TimeUnit.MINUTES))
@Workflow(
    // invoked from reconcile(), only for the services this replica owns (its shards)
    explicitInvocation = true,
    dependents = {
      @Dependent(
          name = "redis-secret",
          type = RedisSecretDependent.class,
          reconcilePrecondition = When.RedisManaged.class),
      @Dependent(
          name = "redis-claim",
          type = RedisClaimDependent.class,
          reconcilePrecondition = When.RedisClaimed.class),
      @Dependent(
          name = "redis",
          type = RedisDeploymentDependent.class,
          reconcilePrecondition = When.RedisManaged.class,
          useEventSourceWithName = ChildSelectors.DEPLOYMENTS,
          dependsOn = "redis-secret"),
      @Dependent(
          name = "redis-service",
          type = RedisServiceDependent.class,
          reconcilePrecondition = When.RedisManaged.class,
          useEventSourceWithName = ChildSelectors.SERVICES),
      @Dependent(
          name = "redis-policy",
          type = RedisNetworkPolicyDependent.class,
          reconcilePrecondition = When.RedisManaged.class),
      @Dependent(
          name = "api",
          type = ApiDeploymentDependent.class,
          reconcilePrecondition = When.ApiEnabled.class,
          useEventSourceWithName = ChildSelectors.DEPLOYMENTS),
      @Dependent(
          name = "api-service",
          type = ApiServiceDependent.class,
          reconcilePrecondition = When.ApiEnabled.class,
          useEventSourceWithName = ChildSelectors.SERVICES),
      @Dependent(
          name = "api-hpa",
          type = ApiHpaDependent.class,
          reconcilePrecondition = When.ApiAutoscaled.class,
          dependsOn = "api"),
      @Dependent(
          name = "api-budget",
          type = ApiBudgetDependent.class,
          reconcilePrecondition = When.ApiBudgeted.class,
          useEventSourceWithName = ChildSelectors.BUDGETS),
      @Dependent(
          name = "api-ingress",
          type = ApiIngressDependent.class,
          reconcilePrecondition = When.ApiExposed.class,
          dependsOn = "api-service"),
      @Dependent(
          name = "worker",
          type = WorkerDeploymentDependent.class,
          reconcilePrecondition = When.WorkerEnabled.class,
          useEventSourceWithName = ChildSelectors.DEPLOYMENTS),
      @Dependent(
          name = "worker-budget",
          type = WorkerBudgetDependent.class,
          reconcilePrecondition = When.WorkerBudgeted.class,
          useEventSourceWithName = ChildSelectors.BUDGETS),
    })
public class ScalableServiceReconciler implements Reconciler<ScalableService> {

  public static final String NAME = "swell-operator";
  private static final Logger log = LoggerFactory.getLogger(ScalableServiceReconciler.class);

  /** How often to look again for an external Redis Secret that is missing. */
  static final Duration SECRET_RECHECK = Duration.ofSeconds(15);

  private final WorkerScaling scaling;
  private final ApiScaling apiScaling;
  private final EventSink events;
  private final Supplier<List<Node>> nodes;
  private final Clock clock;
  private final Set<String> allowedRedisHosts;
  private final Ownership ownership;
  private final ShardEvents shardEvents;

  /**
   * @param ownership the services this replica reconciles and scales
   * @param shardEvents how a shard newly held gets its services reconciled; null without shards
   */
  public ScalableServiceReconciler(
      WorkerScaling scaling,
      ApiScaling apiScaling,
      EventSink events,
      Supplier<List<Node>> nodes,
      Clock clock,
      Set<String> allowedRedisHosts,
      Ownership ownership,
      ShardEvents shardEvents) {
    this.ownership = ownership;
    this.shardEvents = shardEvents;
    this.scaling = scaling;
    this.apiScaling = apiScaling;
    this.events = events;
    this.nodes = nodes;
    this.clock = clock;
    this.allowedRedisHosts = allowedRedisHosts;
  }

  @Override
  public List<EventSource<?, ScalableService>> prepareEventSources(
      EventSourceContext<ScalableService> context) {
    List<EventSource<?, ScalableService>> sources = new ArrayList<>(SharedInformers.of(context));
    if (scaling.eventSource() != null) {
      sources.add(scaling.eventSource());
    }
    if (apiScaling.eventSource() != null) {
      sources.add(apiScaling.eventSource());
    }
    if (shardEvents != null) {
      shardEvents.bind(context.getPrimaryCache());
      sources.add(shardEvents);
    }
    return sources;
  }

  @Override
  public UpdateControl<ScalableService> reconcile(
      ScalableService s, Context<ScalableService> context) {
    if (!ownership.owns(s.getMetadata().getNamespace(), s.getMetadata().getName())) {
      // another replica's shard: neither its children, nor its loops, nor its status are ours
      scaling.forget(ResourceID.fromResource(s));
      apiScaling.forget(ResourceID.fromResource(s));
      return UpdateControl.noUpdate();
    }
    context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
    RedisAccess.Outcome redis =
        RedisAccess.resolve(
            s, context.getSecondaryResource(Secret.class), context.getClient(), allowedRedisHosts);
    WorkerScalingSnapshot snapshot = null;
    String scalingProblem = null;
    if (Components.worker(s) && redis.connection() != null) {
      try {
        snapshot = scaling.track(s, redis.connection());
      } catch (IllegalArgumentException e) {
        // settings the schema lets through but the scaler cannot use: say so, keep the last good
        scalingProblem = e.getMessage();
        snapshot = scaling.snapshot(ResourceID.fromResource(s));
      }
    } else {
      scaling.forget(ResourceID.fromResource(s));
    }
    ApiScalingSnapshot apiSnapshot = null;
    String apiProblem = null;
    if (Components.api(s)
        && s.getSpec().api.autoscaling != null
        && s.getSpec().api.autoscaling.bySwell()) {
      try {
        apiSnapshot = apiScaling.track(s);
      } catch (IllegalArgumentException e) {
        apiProblem = e.getMessage();
        apiSnapshot = apiScaling.snapshot(ResourceID.fromResource(s));
      }
    } else {
      apiScaling.forget(ResourceID.fromResource(s));
    }
    Observed observed =
        new Observed(
            deployment(context, s, Component.API),
            deployment(context, s, Component.WORKER),
            deployment(context, s, Component.REDIS),
            redis.problem(),
            PlacementCheck.problems(s, nodes.get()),
            snapshot,
            scalingProblem,
            redis.reason(),
            apiSnapshot,
            apiProblem);
    StatusFactory.Result result =
        StatusFactory.build(s, observed, clock.instant().truncatedTo(ChronoUnit.SECONDS));
    StatusEvents.emit(events, s, result.conditions());

    UpdateControl<ScalableService> control =
        sameStatus(s.getStatus(), result.status())
            ? UpdateControl.noUpdate()
            : UpdateControl.patchStatus(withStatus(s, result.status()));
    if (redis.problem() != null) {
      log.info("{}; looking again in {}s", redis.problem(), SECRET_RECHECK.toSeconds());
      control.rescheduleAfter(SECRET_RECHECK);
    }
    return control;
  }

  @Override
  public ErrorStatusUpdateControl<ScalableService> updateErrorStatus(
      ScalableService s, Context<ScalableService> context, Exception e) {
    ForeignChildException foreign = cause(e, ForeignChildException.class);
    InvalidSpecException invalid = cause(e, InvalidSpecException.class);
    String message =
        foreign != null
            ? foreign.getMessage()
            : invalid != null ? invalid.getMessage() : Causes.rootMessage(e);
    EventReason reason =
        foreign != null
            ? EventReason.ChildConflict
            : invalid != null ? EventReason.InvalidSpec : EventReason.ReconcileFailed;
    log.warn("reconcile failed: {}", message);
    events.record(s, reason, message);
    ScalableServiceStatus status =
        s.getStatus() == null ? new ScalableServiceStatus() : s.getStatus();
    Conditions c =
        new Conditions(
            s.getMetadata().getGeneration(),
            clock.instant().truncatedTo(ChronoUnit.SECONDS),
            status.conditions);
    c.set(ConditionType.Ready, false, reason.name(), message);
    status.conditions = c.listKeepingTheRest();
    return ErrorStatusUpdateControl.patchStatus(withStatus(s, status));
  }

  /**
   * The first failure of this type among the workflow's failures (a child Swell refused to take
   * over, a spec it cannot build from), or null.
   */
  static <T extends Throwable> T cause(Throwable e, Class<T> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
      if (t instanceof AggregatedOperatorException a) {
        for (Exception inner : a.getAggregatedExceptions().values()) {
          T found = cause(inner, type);
          if (found != null) {
            return found;
          }
        }
      }
    }
    return null;
  }

  private static Deployment deployment(
      Context<ScalableService> context, ScalableService s, Component c) {
    String name = ChildNames.of(s, c);
    return context
        .getSecondaryResourcesAsStream(Deployment.class)
        .filter(d -> name.equals(d.getMetadata().getName()))
        .findFirst()
        .orElse(null);
  }

  /** A fresh object with only what the status patch should own (server-side apply). */
  private static ScalableService withStatus(ScalableService s, ScalableServiceStatus status) {
    ScalableService fresh = new ScalableService();
    fresh.setMetadata(
        new ObjectMetaBuilder()
            .withName(s.getMetadata().getName())
            .withNamespace(s.getMetadata().getNamespace())
            .build());
    fresh.setStatus(status);
    return fresh;
  }

  static boolean sameStatus(ScalableServiceStatus before, ScalableServiceStatus after) {
    return before != null && Serialization.asJson(before).equals(Serialization.asJson(after));
  }
}
