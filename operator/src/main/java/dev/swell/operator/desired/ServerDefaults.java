package dev.swell.operator.desired;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectFieldSelector;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.util.ArrayList;
import java.util.List;

/**
 * What the API server would default in the pods Swell applies, set as it sets it, so that what
 * Swell applies equals what it stored: JOSDK compares the two to decide whether to send a
 * server-side apply, and compares an atomic object such as a {@code fieldRef} whole, so a field the
 * server fills in would make every reconcile send a no-op apply for every Deployment.
 */
final class ServerDefaults {

  private ServerDefaults() {}

  /** Fills {@code fieldRef.apiVersion} (v1) wherever a pod reads its own fields. */
  static void fill(PodSpec pod) {
    List<Container> containers = new ArrayList<>();
    if (pod.getContainers() != null) {
      containers.addAll(pod.getContainers());
    }
    if (pod.getInitContainers() != null) {
      containers.addAll(pod.getInitContainers());
    }
    for (Container c : containers) {
      if (c.getEnv() == null) {
        continue;
      }
      for (EnvVar e : c.getEnv()) {
        if (e.getValueFrom() != null) {
          fill(e.getValueFrom().getFieldRef());
        }
      }
    }
    if (pod.getVolumes() == null) {
      return;
    }
    for (Volume v : pod.getVolumes()) {
      if (v.getDownwardAPI() != null) {
        fill(v.getDownwardAPI().getItems());
      }
      if (v.getProjected() != null && v.getProjected().getSources() != null) {
        for (VolumeProjection p : v.getProjected().getSources()) {
          if (p.getDownwardAPI() != null) {
            fill(p.getDownwardAPI().getItems());
          }
        }
      }
    }
  }

  private static void fill(List<DownwardAPIVolumeFile> items) {
    if (items != null) {
      items.forEach(i -> fill(i.getFieldRef()));
    }
  }

  private static void fill(ObjectFieldSelector ref) {
    if (ref != null && ref.getApiVersion() == null) {
      ref.setApiVersion("v1");
    }
  }
}
