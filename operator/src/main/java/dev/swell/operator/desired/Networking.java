package dev.swell.operator.desired;

import dev.swell.operator.api.IngressSpec;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;

/** The api's Service and optional Ingress. */
public final class Networking {

  private Networking() {}

  public static Service apiService(ScalableService s) {
    return new ServiceBuilder()
        .withMetadata(ChildNames.metadata(s, Component.API, ChildNames.of(s, Component.API)))
        .withNewSpec()
        .withSelector(ChildNames.selector(s, Component.API))
        .addNewPort()
        .withName("http")
        .withPort(AppEnvironment.port(s))
        // by number: a pod template of the user's may name its port otherwise
        .withTargetPort(new IntOrString(AppEnvironment.port(s)))
        .withProtocol("TCP")
        .endPort()
        .endSpec()
        .build();
  }

  public static Ingress apiIngress(ScalableService s) {
    IngressSpec spec = s.getSpec().api.ingress;
    IngressBuilder b =
        new IngressBuilder()
            .withMetadata(ChildNames.metadata(s, Component.API, ChildNames.of(s, Component.API)))
            .withNewSpec()
            .withIngressClassName(spec.className)
            .addNewRule()
            .withHost(spec.host)
            .withNewHttp()
            .addNewPath()
            .withPath(spec.path == null ? "/" : spec.path)
            .withPathType("Prefix")
            .withNewBackend()
            .withNewService()
            .withName(ChildNames.of(s, Component.API))
            .withNewPort()
            .withName("http")
            .endPort()
            .endService()
            .endBackend()
            .endPath()
            .endHttp()
            .endRule()
            .endSpec();
    if (spec.tlsSecretName != null) {
      b.editSpec()
          .addNewTl()
          .withHosts(spec.host)
          .withSecretName(spec.tlsSecretName)
          .endTl()
          .endSpec();
    }
    return b.build();
  }
}
