package dev.swell.operator;

import dev.swell.operator.events.KubernetesEventSink;
import dev.swell.operator.metrics.OperatorHttpServer;
import dev.swell.operator.scaling.RequestAutoscaler;
import dev.swell.operator.scaling.WorkerAutoscaler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
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

    KubernetesClient client = new KubernetesClientBuilder().build();
    NodeCatalog nodes = new NodeCatalog(client).start();
    KubernetesEventSink events = new KubernetesEventSink(client, clock, settings.eventInterval());
    WorkerAutoscaler workers =
        new WorkerAutoscaler(client, settings.namespaces(), registry, events, clock);
    RequestAutoscaler apis =
        new RequestAutoscaler(client, settings.namespaces(), registry, events, clock);
    AtomicBoolean stopping = new AtomicBoolean();
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
            });
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
                  operator.stop();
                  workers.close();
                  apis.close();
                  nodes.close();
                  http.close();
                  client.close();
                },
                "shutdown"));
    log.info(
        "Swell operator starting: namespaces={}, leaderElection={}, http port {}",
        settings.namespaces().isEmpty() ? "all" : settings.namespaces(),
        settings.leaderElection(),
        http.port());
    operator.start();
  }
}
