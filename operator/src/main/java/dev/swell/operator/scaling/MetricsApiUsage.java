package dev.swell.operator.scaling;

import dev.swell.operator.autoscaling.RequestReading;
import dev.swell.operator.autoscaling.RequestTarget.Signal;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.ContainerMetrics;
import io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CPU and memory from the metrics API (metrics.k8s.io, metrics-server), one list per namespace and
 * read: usage summed over a pod's containers over their requests summed, as the HPA's Resource
 * metric does. A pod without a request for the resource, or without usage yet, is missing.
 */
final class MetricsApiUsage implements ResourceUsage {

  private static final Logger log = LoggerFactory.getLogger(MetricsApiUsage.class);

  private final KubernetesClient client;

  MetricsApiUsage(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public Map<Signal, RequestReading.Value> read(
      String namespace, List<Pod> pods, Set<Signal> signals) {
    Map<Signal, RequestReading.Value> values = new EnumMap<>(Signal.class);
    if (pods.isEmpty() || !(signals.contains(Signal.cpu) || signals.contains(Signal.memory))) {
      return values;
    }
    Map<String, PodMetrics> usage = new HashMap<>();
    try {
      for (PodMetrics m : client.top().pods().inNamespace(namespace).metrics().getItems()) {
        usage.put(m.getMetadata().getName(), m);
      }
    } catch (KubernetesClientException e) {
      log.debug("metrics API: {}", e.getMessage());
      return values;
    }
    for (Signal s : signals) {
      if (s != Signal.cpu && s != Signal.memory) {
        continue;
      }
      double sum = 0;
      int answered = 0;
      for (Pod p : pods) {
        Double u = utilization(p, usage.get(p.getMetadata().getName()), s.name());
        if (u != null) {
          sum += u;
          answered++;
        }
      }
      if (answered > 0) {
        values.put(s, new RequestReading.Value(sum / answered, answered, pods.size() - answered));
      }
    }
    return values;
  }

  /** Percent of the pod's request used, or null when either is unknown. */
  static Double utilization(Pod p, PodMetrics m, String resource) {
    if (m == null || m.getContainers() == null) {
      return null;
    }
    BigDecimal requested = BigDecimal.ZERO;
    for (Container c : p.getSpec().getContainers()) {
      Quantity q =
          c.getResources() == null || c.getResources().getRequests() == null
              ? null
              : c.getResources().getRequests().get(resource);
      if (q == null) {
        return null; // the HPA refuses a utilization without a request too
      }
      requested = requested.add(q.getNumericalAmount());
    }
    BigDecimal used = BigDecimal.ZERO;
    for (ContainerMetrics c : m.getContainers()) {
      Quantity q = c.getUsage() == null ? null : c.getUsage().get(resource);
      if (q != null) {
        used = used.add(q.getNumericalAmount());
      }
    }
    if (requested.signum() <= 0) {
      return null;
    }
    return used.multiply(BigDecimal.valueOf(100))
        .divide(requested, MathContext.DECIMAL64)
        .doubleValue();
  }
}
