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

/**
 * The Deployments and pods of one component (worker or api) that Swell made, from informers: one
 * per watched namespace (or one for the cluster when every namespace is watched), pods indexed by
 * their ScalableService, so a tick reads its own service's pods and never scans every pod of the
 * cluster.
 */
final class InformerCatalog implements WorkerCatalog, ApiCatalog {

  private static final String BY_SERVICE = "service";

  private final Component component;
  private final List<SharedIndexInformer<Pod>> pods = new ArrayList<>();
  private final List<SharedIndexInformer<Deployment>> deployments = new ArrayList<>();

  InformerCatalog(KubernetesClient client, Set<String> namespaces, Component component) {
    this.component = component;
    String selector = ChildNames.managedSelector(component);
    if (namespaces.isEmpty()) {
      pods.add(client.pods().inAnyNamespace().withLabelSelector(selector).runnableInformer(0));
      deployments.add(
          client
              .apps()
              .deployments()
              .inAnyNamespace()
              .withLabelSelector(selector)
              .runnableInformer(0));
    } else {
      for (String ns : namespaces) {
        pods.add(client.pods().inNamespace(ns).withLabelSelector(selector).runnableInformer(0));
        deployments.add(
            client
                .apps()
                .deployments()
                .inNamespace(ns)
                .withLabelSelector(selector)
                .runnableInformer(0));
      }
    }
    pods.forEach(i -> i.itemStore(new LeanStore<>()));
    deployments.forEach(i -> i.itemStore(new LeanStore<>()));
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
    List<Pod> own = pods(s);
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
    Deployment d = deployment(s);
    return new WorkerPods(
        replicas(d),
        d == null ? null : d.getMetadata().getGeneration(),
        own.stream().map(p -> p.getMetadata().getName()).toList(),
        costs);
  }

  @Override
  public ApiPods api(ScalableService s) {
    Deployment d = deployment(s);
    return new ApiPods(replicas(d), d == null ? null : d.getMetadata().getGeneration(), pods(s));
  }

  /** The pods of the service's component that are not being deleted. */
  private List<Pod> pods(ScalableService s) {
    String ns = s.getMetadata().getNamespace();
    List<Pod> own = new ArrayList<>();
    for (SharedIndexInformer<Pod> informer : pods) {
      informer.getIndexer().byIndex(BY_SERVICE, key(ns, s.getMetadata().getName())).stream()
          .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
          .forEach(own::add);
    }
    return own;
  }

  /** The service's Deployment of this component; null when absent or not this service's. */
  private Deployment deployment(ScalableService s) {
    String key = s.getMetadata().getNamespace() + "/" + ChildNames.of(s, component);
    Deployment d =
        deployments.stream()
            .map(i -> i.getStore().getByKey(key))
            .filter(Objects::nonNull)
            .findFirst()
            .orElse(null);
    // orphaned (kubectl delete --cascade=orphan) or someone else's: not ours to scale
    return d == null || !controlledBy(d, s) ? null : d;
  }

  /** The Deployment's spec.replicas; null when there is none to scale. */
  private static Integer replicas(Deployment d) {
    return d == null ? null : Objects.requireNonNullElse(d.getSpec().getReplicas(), 1);
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
