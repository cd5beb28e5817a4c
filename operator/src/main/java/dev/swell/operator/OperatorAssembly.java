package dev.swell.operator;

import dev.swell.operator.dependent.ConfiguredDependents;
import dev.swell.operator.events.EventSink;
import dev.swell.operator.reconciler.ScalableServiceReconciler;
import dev.swell.operator.reconciler.ShardEvents;
import dev.swell.operator.scaling.ApiScaling;
import dev.swell.operator.scaling.WorkerScaling;
import dev.swell.operator.sharding.Ownership;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/** Puts the JOSDK Operator together; shared by {@link SwellOperator} and the tests. */
public final class OperatorAssembly {

  private OperatorAssembly() {}

  /**
   * @param serverSideApply true in production; false only for fabric8's mock server, which cannot
   *     create objects by server-side apply
   * @param lostLeadership called when this replica stops leading (also when it is being stopped:
   *     JOSDK's own reaction, System.exit, would hang a shutdown hook)
   * @param ownership the services this replica reconciles: all of them with leader election, those
   *     of its shards with {@link OperatorSettings#sharded()} (no leader election then)
   * @param shardEvents how a shard newly held gets its services reconciled; null without shards
   */
  public static Operator operator(
      KubernetesClient client,
      OperatorSettings settings,
      MeterRegistry registry,
      WorkerScaling scaling,
      ApiScaling apiScaling,
      EventSink events,
      Supplier<List<Node>> nodes,
      Clock clock,
      boolean serverSideApply,
      Runnable lostLeadership,
      Ownership ownership,
      ShardEvents shardEvents) {
    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withSSABasedCreateUpdateMatchForDependentResources(serverSideApply)
                  .withUseSSAToPatchPrimaryResource(serverSideApply)
                  .withCloseClientOnStop(false)
                  // per controller, not per resource: JOSDK's per-resource reconcile histogram is
                  // about 70 series a service (20 KB of /metrics each, 100 MB at 5,000 services);
                  // per service, swell_worker_backlog and the status say what happens
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
                  .withReconciliationTerminationTimeout(Duration.ofSeconds(10))
                  .withDependentResourceFactory(new ConfiguredDependents(settings.redisImage()));
              if (settings.leaderElection() && !settings.sharded()) {
                o.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(
                        settings.leaseName(),
                        settings.leaseNamespace(),
                        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                        null,
                        new LeaderCallbacks(() -> {}, lostLeadership, leader -> {}),
                        false));
              }
            });
    operator.register(
        new ScalableServiceReconciler(
            scaling,
            apiScaling,
            events,
            nodes,
            clock,
            settings.allowedRedisHosts(),
            ownership,
            shardEvents),
        c -> {
          if (settings.namespaces().isEmpty()) {
            c.watchingAllNamespaces();
          } else {
            c.settingNamespaces(settings.namespaces());
          }
        });
    return operator;
  }
}
