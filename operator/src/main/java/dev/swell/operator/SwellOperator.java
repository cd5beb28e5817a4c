package dev.swell.operator;

import dev.swell.operator.events.KubernetesEventSink;
import dev.swell.operator.metrics.ApiRequestMeter;
import dev.swell.operator.metrics.OperatorHttpServer;
import dev.swell.operator.reconciler.ShardEvents;
import dev.swell.operator.scaling.RequestAutoscaler;
import dev.swell.operator.scaling.WorkerAutoscaler;
import dev.swell.operator.sharding.Ownership;
import dev.swell.operator.sharding.ShardLeases;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator's entry point: `make run` starts it against the cluster in KUBECONFIG. */
public final class SwellOperator {

  private static final Logger log = LoggerFactory.getLogger(SwellOperator.class);

  private SwellOperator() {}

  public static void main(String[] args) throws Exception {
    OperatorSettings settings;
    try {
      settings = OperatorSettings.from(System.getenv());
    } catch (IllegalArgumentException e) {
      log.error("bad configuration: {}", e.getMessage());
      System.exit(2);
      return;
    }
    Clock clock = Clock.systemUTC();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);

    KubernetesClient client =
        new KubernetesClientBuilder()
            .withHttpClientBuilderConsumer(
                b -> b.addOrReplaceInterceptor(ApiRequestMeter.NAME, new ApiRequestMeter(registry)))
            .build();
    NodeCatalog nodes = new NodeCatalog(client).start();
    KubernetesEventSink events = new KubernetesEventSink(client, clock, settings.eventInterval());
    WorkerAutoscaler workers =
        new WorkerAutoscaler(client, settings.namespaces(), registry, events, clock);
    RequestAutoscaler apis =
        new RequestAutoscaler(client, settings.namespaces(), registry, events, clock);
    AtomicBoolean stopping = new AtomicBoolean();
    ShardEvents shardEvents = settings.sharded() ? new ShardEvents(settings.shards()) : null;
    ShardLeases shards =
        settings.sharded()
            ? new ShardLeases(
                client,
                settings.leaseNamespace(),
                settings.leaseName(),
                settings.shards(),
                identity(),
                ShardLeases.Timing.DEFAULT,
                clock,
                new ShardLeases.Listener() {
                  @Override
                  public void acquired(int shard) {
                    shardEvents.reconcile(shard);
                  }

                  @Override
                  public void lost(int shard) {
                    Predicate<ResourceID> inShard =
                        id ->
                            Ownership.shardOf(
                                    id.getNamespace().orElse(""), id.getName(), settings.shards())
                                == shard;
                    workers.stop(inShard);
                    apis.stop(inShard);
                  }
                })
            : null;
    if (shards != null) {
      Gauge.builder("swell_shards_held", shards, s -> s.shards().size())
          .description("shards of the ScalableServices this replica holds")
          .register(registry);
    }
    Operator operator =
        OperatorAssembly.operator(
            client,
            settings,
            registry,
            workers,
            apis,
            events,
            nodes,
            clock,
            true,
            () -> {
              if (!stopping.get()) {
                // another replica may be leading now: stop reconciling at once, and let Kubernetes
                // restart us
                log.error(
                    "lost the leader Lease {}/{}; exiting",
                    settings.leaseNamespace(),
                    settings.leaseName());
                // the renew deadline (10 s) comes before the Lease expires (15 s): no replica
                // count is written once we stop here, so none after another replica leads
                workers.stopAll();
                apis.stopAll();
                Thread.ofPlatform().start(() -> System.exit(1));
              }
            },
            shards == null ? Ownership.ALL : shards,
            shardEvents);
    OperatorHttpServer http =
        new OperatorHttpServer(
                settings.httpPort(),
                registry,
                () ->
                    operator.getRuntimeInfo().allEventSourcesAreHealthy()
                        || !operator.getRuntimeInfo().isStarted(),
                () -> operator.getRuntimeInfo().isStarted())
            .start();

    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down: finishing reconciles in progress");
                  stopping.set(true);
                  if (shards != null) {
                    shards.close(); // stops their loops, then gives the shards back at once
                  }
                  operator.stop();
                  workers.close();
                  apis.close();
                  nodes.close();
                  http.close();
                  client.close();
                },
                "shutdown"));
    log.info(
        "Swell operator starting: namespaces={}, {}, http port {}",
        settings.namespaces().isEmpty() ? "all" : settings.namespaces(),
        settings.sharded()
            ? settings.shards() + " shards as " + identity()
            : "leaderElection=" + settings.leaderElection(),
        http.port());
    if (shards != null) {
      shards.start();
    }
    operator.start();
  }

  /** This replica's name among the shard holders: its pod, else its host and process. */
  static String identity() {
    String pod = System.getenv("POD_NAME");
    if (pod != null && !pod.isBlank()) {
      return pod;
    }
    String host = System.getenv().getOrDefault("HOSTNAME", "local");
    return host + "-" + ProcessHandle.current().pid();
  }
}
