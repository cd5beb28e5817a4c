package dev.swell.operator;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.List;
import java.util.function.Supplier;

/** The cluster's Nodes, from an informer: what placement is judged against. */
public final class NodeCatalog implements Supplier<List<Node>>, AutoCloseable {

  private final SharedIndexInformer<Node> informer;

  public NodeCatalog(KubernetesClient client) {
    this.informer = client.nodes().runnableInformer(0);
  }

  public NodeCatalog start() {
    informer.run();
    return this;
  }

  @Override
  public List<Node> get() {
    return informer.getStore().list();
  }

  @Override
  public void close() {
    informer.stop();
  }
}
