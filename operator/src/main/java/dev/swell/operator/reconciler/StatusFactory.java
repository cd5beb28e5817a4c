package dev.swell.operator.reconciler;

import static dev.swell.operator.reconciler.ConditionType.ApiAvailable;
import static dev.swell.operator.reconciler.ConditionType.ApiScalingActive;
import static dev.swell.operator.reconciler.ConditionType.Fallback;
import static dev.swell.operator.reconciler.ConditionType.Paused;
import static dev.swell.operator.reconciler.ConditionType.PlacementFeasible;
import static dev.swell.operator.reconciler.ConditionType.Ready;
import static dev.swell.operator.reconciler.ConditionType.RedisReady;
import static dev.swell.operator.reconciler.ConditionType.ScalingActive;
import static dev.swell.operator.reconciler.ConditionType.WorkerAvailable;

import dev.swell.operator.api.ApiStatus;
import dev.swell.operator.api.ComponentStatus;
import dev.swell.operator.api.RedisStatus;
import dev.swell.operator.api.ScalableService;
import dev.swell.operator.api.ScalableServiceStatus;
import dev.swell.operator.api.ScalingDecisionStatus;
import dev.swell.operator.api.WorkerStatus;
import dev.swell.operator.autoscaling.RequestScaler;
import dev.swell.operator.autoscaling.RequestTarget;
import dev.swell.operator.desired.AppEnvironment;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Components;
import dev.swell.operator.scaling.ApiScalingSnapshot;
import dev.swell.operator.scaling.WorkerScalingSnapshot;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Turns what a reconcile observed into the ScalableService's status. Pure. */
public final class StatusFactory {

  private StatusFactory() {}

  /** The status, and the conditions' transitions for events. */
  public record Result(ScalableServiceStatus status, Conditions conditions) {}

  public static Result build(ScalableService s, Observed o, Instant now) {
    ScalableServiceStatus previous = s.getStatus();
    Conditions c =
        new Conditions(generation(s), now, previous == null ? null : previous.conditions);
    ScalableServiceStatus status = new ScalableServiceStatus();
    status.observedGeneration = generation(s);

    redis(s, o, c, status);
    if (Components.api(s)) {
      status.api = component(new ApiStatus(), o.api());
      boolean up = available(o.api());
      c.set(
          ApiAvailable,
          up,
          up ? "MinimumReplicasAvailable" : "ApiUnavailable",
          up
              ? "api has " + status.api.readyReplicas + " ready replicas"
              : "api has no available replica yet");
    } else {
      c.set(ApiAvailable, false, "Disabled", "spec.api is absent or disabled");
    }
    apiScaling(s, o, c, status.api);
    worker(s, o, c, status);
    List<String> problems = o.placementProblems();
    c.set(
        PlacementFeasible,
        problems.isEmpty(),
        problems.isEmpty() ? "Feasible" : "Infeasible",
        problems.isEmpty()
            ? "the cluster's nodes can run every replica"
            : String.join("; ", problems));
    ready(s, c);
    status.conditions = c.list();
    return new Result(status, c);
  }

  private static void redis(
      ScalableService s, Observed o, Conditions c, ScalableServiceStatus status) {
    if (!Components.usesRedis(s)) {
      c.set(RedisReady, true, "NotUsed", "spec.redis.mode is None");
      return;
    }
    status.redis = new RedisStatus();
    if (Components.managedRedis(s)) {
      status.redis.endpoint = ChildNames.redisEndpoint(s);
      boolean up = available(o.redis());
      status.redis.ready = up;
      c.set(
          RedisReady,
          up,
          up ? "RedisAvailable" : "RedisStarting",
          up ? "managed Redis is ready" : "managed Redis is not ready yet");
    } else {
      status.redis.endpoint = endpointOf(AppEnvironment.redisUrl(s));
      boolean usable = o.redisProblem() == null;
      status.redis.ready = usable;
      c.set(
          RedisReady,
          usable,
          usable ? "ExternalConfigured" : o.redisProblemReason(),
          usable ? "external Redis at " + status.redis.endpoint : o.redisProblem());
    }
  }

  private static void worker(
      ScalableService s, Observed o, Conditions c, ScalableServiceStatus status) {
    WorkerScalingSnapshot scaling = o.scaling();
    boolean paused = s.isPaused();
    c.set(
        Paused,
        paused,
        paused ? "PausedByAnnotation" : "NotPaused",
        paused ? "swell.dev/paused=true: replica counts are frozen" : "scaling is not paused");
    if (!Components.worker(s)) {
      c.set(WorkerAvailable, false, "Disabled", "spec.worker is absent or disabled");
      c.set(ScalingActive, false, "Disabled", "no worker to scale");
      c.set(Fallback, false, "Disabled", "no worker to scale");
      return;
    }
    WorkerStatus w = component(new WorkerStatus(), o.worker());
    status.worker = w;
    boolean scaledToZero =
        o.worker() != null
            && o.worker().getSpec().getReplicas() != null
            && o.worker().getSpec().getReplicas() == 0;
    boolean up = scaledToZero || available(o.worker());
    c.set(
        WorkerAvailable,
        up,
        scaledToZero ? "ScaledToZero" : up ? "MinimumReplicasAvailable" : "WorkerUnavailable",
        scaledToZero
            ? "no backlog: workers scaled to zero"
            : up
                ? "worker has " + w.readyReplicas + " ready replicas"
                : "worker has no available replica yet");
    if (scaling == null) {
      WorkerStatus before = s.getStatus() == null ? null : s.getStatus().worker;
      if (o.scalingProblem() != null) {
        c.set(ScalingActive, false, "InvalidSpec", o.scalingProblem());
      } else if (before != null
          && before.desiredReplicas != null
          && !"Starting".equals(c.previousReason(ScalingActive))
          && c.keep(ScalingActive)) {
        // a loop just started by a restarted (or newly leading) operator: until it reads, the
        // status keeps what the last loop saw, instead of rewriting every service's status twice
        keepLastRead(before, w);
        if (!c.keep(Fallback)) {
          c.set(Fallback, false, "NotNeeded", "no read has failed");
        }
        return;
      } else {
        c.set(
            ScalingActive, false, "Starting", "the queue autoscaler has not read the backlog yet");
      }
      c.set(Fallback, false, "NotNeeded", "no read has failed");
      return;
    }
    w.backlog = scaling.backlog();
    w.inFlight = scaling.inFlight();
    if (scaling.desiredReplicas() != null) {
      w.desiredReplicas = scaling.desiredReplicas();
      w.summary = (w.readyReplicas == null ? 0 : w.readyReplicas) + "/" + w.desiredReplicas;
    }
    if (scaling.lastChange() != null) {
      w.lastScaleTime = scaling.lastChange().time().toString();
      w.lastDecision = decision(scaling.lastChange());
    } else if (s.getStatus() != null && s.getStatus().worker != null) {
      // a loop that has not scaled yet (a restarted operator, a shard taken over): the last
      // decision shown stands, whoever made it; dropping it rewrote every status at a restart
      w.lastScaleTime = s.getStatus().worker.lastScaleTime;
      w.lastDecision = s.getStatus().worker.lastDecision;
    }
    if (o.scalingProblem() != null) {
      c.set(
          ScalingActive,
          false,
          "InvalidSpec",
          o.scalingProblem() + "; the queue autoscaler keeps its last good settings");
    } else if (paused) {
      c.set(ScalingActive, false, "Paused", "replicas are frozen by swell.dev/paused");
    } else if (scaling.readFailing()) {
      c.set(ScalingActive, false, "BacklogUnreadable", scaling.readError());
    } else {
      c.set(ScalingActive, true, "BacklogRead", "scaling on backlog " + scaling.backlog());
    }
    c.set(
        Fallback,
        scaling.fallback(),
        scaling.fallback() ? "BacklogUnreadable" : "NotNeeded",
        scaling.fallback()
            ? "running fallback replicas: " + scaling.readError()
            : "the backlog is readable");
  }

  /** The last loop's reading and decision, over the Deployment's current counts. */
  private static void keepLastRead(WorkerStatus before, WorkerStatus w) {
    w.backlog = before.backlog;
    w.inFlight = before.inFlight;
    w.desiredReplicas = before.desiredReplicas;
    w.summary = (w.readyReplicas == null ? 0 : w.readyReplicas) + "/" + w.desiredReplicas;
    w.lastScaleTime = before.lastScaleTime;
    w.lastDecision = before.lastDecision;
  }

  /** What the api's request autoscaler read and decided, and its condition. */
  private static void apiScaling(ScalableService s, Observed o, Conditions c, ApiStatus api) {
    if (!Components.api(s) || s.getSpec().api.autoscaling == null) {
      c.set(ApiScalingActive, false, "Disabled", "the api has a fixed replica count");
      return;
    }
    if (!s.getSpec().api.autoscaling.bySwell()) {
      c.set(
          ApiScalingActive,
          false,
          "HorizontalPodAutoscaler",
          "the api's HorizontalPodAutoscaler scales it on cpu and memory");
      return;
    }
    ApiScalingSnapshot scaling = o.apiScaling();
    String problem = o.apiScalingProblem();
    if (scaling == null) {
      c.set(
          ApiScalingActive,
          false,
          problem != null ? "InvalidSpec" : "Starting",
          problem != null ? problem : "the api autoscaler has not read the pods' metrics yet");
      return;
    }
    api.desiredReplicas = scaling.desiredReplicas();
    api.summary = (api.readyReplicas == null ? 0 : api.readyReplicas) + "/" + api.desiredReplicas;
    api.metrics = new ArrayList<>();
    for (RequestScaler.MetricOutcome m : scaling.metrics()) {
      ApiStatus.MetricStatus ms = new ApiStatus.MetricStatus();
      ms.name = m.metric().label();
      ms.current = m.current() == null ? null : value(m.metric(), m.current());
      ms.target = value(m.metric(), m.metric().target());
      ms.desiredReplicas = m.desired();
      api.metrics.add(ms);
    }
    if (scaling.lastChange() != null) {
      api.lastScaleTime = scaling.lastChange().time().toString();
      api.lastDecision = decision(scaling.lastChange());
    } else if (s.getStatus() != null && s.getStatus().api != null) {
      // as the worker's: the last decision shown stands until the new loop makes one
      api.lastScaleTime = s.getStatus().api.lastScaleTime;
      api.lastDecision = s.getStatus().api.lastDecision;
    }
    api.burstUntil = scaling.burstUntil() == null ? null : scaling.burstUntil().toString();
    boolean read = scaling.metrics().stream().anyMatch(m -> m.current() != null);
    if (problem != null) {
      c.set(
          ApiScalingActive,
          false,
          "InvalidSpec",
          problem + "; the api autoscaler keeps its last good settings");
    } else if (scaling.paused()) {
      c.set(ApiScalingActive, false, "Paused", "replicas are frozen by swell.dev/paused");
    } else if (scaling.readError() != null) {
      c.set(ApiScalingActive, false, "MetricsUnreadable", scaling.readError());
    } else if (!read) {
      c.set(
          ApiScalingActive,
          false,
          "Starting",
          "the api autoscaler has not read the pods' metrics yet");
    } else {
      StringBuilder m = new StringBuilder("scaling on ");
      for (ApiStatus.MetricStatus ms : api.metrics) {
        m.append(m.length() > 11 ? ", " : "")
            .append(ms.name)
            .append(' ')
            .append(ms.current == null ? "unreadable" : ms.current)
            .append(" (target ")
            .append(ms.target)
            .append(')');
      }
      c.set(ApiScalingActive, true, "MetricsRead", m.toString());
    }
  }

  private static ScalingDecisionStatus decision(WorkerScalingSnapshot.Change change) {
    ScalingDecisionStatus d = new ScalingDecisionStatus();
    d.time = change.time().toString();
    d.from = change.from();
    d.to = change.to();
    d.reason = change.reason();
    return d;
  }

  /** A metric's value as users write it: 12.5, 180ms, 64%. */
  static String value(RequestTarget.Metric m, double v) {
    return switch (m.signal()) {
      case latency -> RequestScaler.number(v * 1000) + "ms";
      case cpu, memory -> RequestScaler.number(v) + "%";
      default -> RequestScaler.number(v);
    };
  }

  private static void ready(ScalableService s, Conditions c) {
    for (ConditionType t : List.of(RedisReady, ApiAvailable, WorkerAvailable)) {
      boolean applies =
          t != ApiAvailable && t != WorkerAvailable
              || t == ApiAvailable && Components.api(s)
              || t == WorkerAvailable && Components.worker(s);
      if (applies && !c.isTrue(t)) {
        c.set(Ready, false, c.get(t).getReason(), c.get(t).getMessage());
        return;
      }
    }
    c.set(Ready, true, "AllComponentsAvailable", "every enabled component is available");
  }

  private static <T extends ComponentStatus> T component(T status, Deployment d) {
    if (d == null) {
      status.replicas = 0;
      status.readyReplicas = 0;
      status.summary = "0/0";
      return status;
    }
    status.replicas = orZero(d.getStatus() == null ? null : d.getStatus().getReplicas());
    status.readyReplicas = orZero(d.getStatus() == null ? null : d.getStatus().getReadyReplicas());
    status.desiredReplicas = orZero(d.getSpec().getReplicas());
    status.summary = status.readyReplicas + "/" + status.desiredReplicas;
    return status;
  }

  private static boolean available(Deployment d) {
    return d != null && d.getStatus() != null && orZero(d.getStatus().getAvailableReplicas()) > 0;
  }

  private static int orZero(Integer i) {
    return i == null ? 0 : i;
  }

  private static long generation(ScalableService s) {
    return s.getMetadata().getGeneration() == null ? 0 : s.getMetadata().getGeneration();
  }

  static String endpointOf(String url) {
    String rest = url.substring(url.indexOf("://") + 3);
    int at = rest.lastIndexOf('@');
    rest = at >= 0 ? rest.substring(at + 1) : rest;
    int slash = rest.indexOf('/');
    return slash >= 0 ? rest.substring(0, slash) : rest;
  }
}
