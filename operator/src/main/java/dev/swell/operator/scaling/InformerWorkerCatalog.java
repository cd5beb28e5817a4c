package dev.swell.operator.scaling;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.ChildNames;
import dev.swell.operator.desired.Component;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The worker Deployments and pods Swell made, from informers: one per watched namespace (or one for
 * the cluster when every namespace is watched), pods indexed by their ScalableService, so a tick
 * reads its own service's pods and never scans every worker pod of the cluster.
 */
final class InformerWorkerCatalog implements WorkerCatalog {

  static final String SELECTOR = ChildNames.managedSelector(Component.WORKER);
  private static final String BY_SERVICE = "service";

  private final List<SharedIndexInformer<Pod>> pods = new ArrayList<>();
  private final List<SharedIndexInformer<Deployment>> deployments = new ArrayList<>();

  InformerWorkerCatalog(KubernetesClient client, Set<String> namespaces) {
    List<Function<KubernetesClient, SharedIndexInformer<Pod>>> podScopes = new ArrayList<>();
    if (namespaces.isEmpty()) {
      pods.add(client.pods().inAnyNamespace().withLabelSelector(SELECTOR).runnableInformer(0));
      deployments.add(
          client
              .apps()
              .deployments()
              .inAnyNamespace()
              .withLabelSelector(SELECTOR)
              .runnableInformer(0));
    } else {
      for (String ns : namespaces) {
        pods.add(client.pods().inNamespace(ns).withLabelSelector(SELECTOR).runnableInformer(0));
        deployments.add(
            client
                .apps()
                .deployments()
                .inNamespace(ns)
                .withLabelSelector(SELECTOR)
                .runnableInformer(0));
      }
    }
    for (SharedIndexInformer<Pod> informer : pods) {
      informer.addIndexers(
          Map.of(
              BY_SERVICE,
              p ->
                  List.of(
                      key(
                          p.getMetadata().getNamespace(),
                          p.getMetadata().getLabels() == null
                              ? null
                              : p.getMetadata().getLabels().get(ChildNames.NAME)))));
      informer.run();
    }
    deployments.forEach(SharedIndexInformer::run);
  }

  @Override
  public WorkerPods of(ScalableService s) {
    String ns = s.getMetadata().getNamespace();
    String deploymentKey = ns + "/" + ChildNames.of(s, Component.WORKER);
    Deployment d =
        deployments.stream()
            .map(i -> i.getStore().getByKey(deploymentKey))
            .filter(Objects::nonNull)
            .findFirst()
            .orElse(null);
    List<Pod> own = new ArrayList<>();
    for (SharedIndexInformer<Pod> informer : pods) {
      informer.getIndexer().byIndex(BY_SERVICE, key(ns, s.getMetadata().getName())).stream()
          .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
          .forEach(own::add);
    }
    Map<String, Integer> costs = new HashMap<>();
    for (Pod p : own) {
      String cost =
          p.getMetadata().getAnnotations() == null
              ? null
              : p.getMetadata().getAnnotations().get(KubernetesReplicaRealizer.DELETION_COST);
      if (cost != null) {
        costs.put(p.getMetadata().getName(), Integer.valueOf(cost));
      }
    }
    if (d != null && !controlledBy(d, s)) {
      d = null; // orphaned (kubectl delete --cascade=orphan) or someone else's: not ours to scale
    }
    Integer replicas = d == null ? null : Objects.requireNonNullElse(d.getSpec().getReplicas(), 1);
    return new WorkerPods(
        replicas, own.stream().map(p -> p.getMetadata().getName()).toList(), costs);
  }

  private static boolean controlledBy(Deployment d, ScalableService s) {
    return d.getMetadata().getOwnerReferences() != null
        && d.getMetadata().getOwnerReferences().stream()
            .anyMatch(
                o ->
                    Boolean.TRUE.equals(o.getController())
                        && o.getUid().equals(s.getMetadata().getUid()));
  }

  private static String key(String namespace, String service) {
    return namespace + "/" + service;
  }

  @Override
  public void close() {
    pods.forEach(SharedIndexInformer::stop);
    deployments.forEach(SharedIndexInformer::stop);
  }
}
