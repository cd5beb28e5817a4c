package dev.swell.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.swell.operator.Fixtures;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A service that brings its own pods (a FastAPI api with a log sidecar, a Celery worker): the
 * Deployments are the ones a user would write by hand, plus what Swell owns.
 */
class PodTemplatesTest {

  static final ScalableService OWN =
      Fixtures.service(
          """
      image: registry.example/shop:2.1
      redis: {mode: Managed}
      api:
        port: 8000
        resources: {requests: {cpu: 300m}}
        podTemplate:
          metadata:
            labels: {team: payments}
            annotations: {prometheus.io/scrape: "true"}
          spec:
            serviceAccountName: shop-api
            imagePullSecrets: [{name: registry}]
            priorityClassName: business
            initContainers:
              - {name: migrate, image: registry.example/shop:2.1, command: [alembic, upgrade, head]}
            containers:
              - name: log-shipper
                image: fluent/fluent-bit:3
                env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
                volumeMounts: [{name: logs, mountPath: /logs}]
              - name: api
                command: [uvicorn, shop.main:app, --host, 0.0.0.0, --port, "8000"]
                ports: [{name: web, containerPort: 8000}]
                readinessProbe: {httpGet: {path: /health, port: web}, periodSeconds: 3}
                envFrom: [{configMapRef: {name: shop-config}}]
                env: [{name: LOG_DIR, value: /logs}]
                volumeMounts: [{name: logs, mountPath: /logs}]
                securityContext: {readOnlyRootFilesystem: false, runAsUser: 1000}
            volumes:
              - {name: logs, emptyDir: {}}
        placement:
          spread: [{topologyKey: topology.kubernetes.io/zone}]
      worker:
        terminationGracePeriodSeconds: 120
        queue: {key: celery}
        podTemplate:
          spec:
            containers:
              - name: celery
                image: registry.example/shop-worker:2.1
                args: [celery, -A, shop.tasks, worker, --concurrency, "4"]
            tolerations: [{key: gpu, operator: Exists, effect: NoSchedule}]
        placement:
          dedicatedNodes: {key: dedicated, value: workers}
      """);

  static Container container(Deployment d, String name) {
    return d.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  static List<String> names(List<EnvVar> env) {
    return env.stream().map(EnvVar::getName).toList();
  }

  @Test
  void theTemplatesShapePassesThrough() {
    Deployment api = Workloads.api(OWN, true);
    PodSpec pod = api.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("shop-api");
    assertThat(pod.getAutomountServiceAccountToken())
        .as("a pod with its own ServiceAccount keeps its token")
        .isNull();
    assertThat(pod.getImagePullSecrets()).extracting("name").containsExactly("registry");
    assertThat(pod.getPriorityClassName()).isEqualTo("business");
    assertThat(pod.getInitContainers()).extracting(Container::getName).containsExactly("migrate");
    assertThat(pod.getContainers())
        .extracting(Container::getName)
        .containsExactly("log-shipper", "api");
    assertThat(pod.getVolumes()).extracting("name").contains("logs");
    assertThat(api.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/scrape", "true");
    Container app = container(api, "api");
    assertThat(app.getCommand())
        .containsExactly("uvicorn", "shop.main:app", "--host", "0.0.0.0", "--port", "8000");
    assertThat(app.getReadinessProbe().getHttpGet().getPath())
        .as("the template's probe, not Swell's /readyz")
        .isEqualTo("/health");
    assertThat(app.getLivenessProbe()).as("none in the template, none added").isNull();
    assertThat(app.getEnvFrom()).hasSize(1);
    assertThat(app.getPorts()).extracting("name").containsExactly("web");
    assertThat(app.getSecurityContext().getReadOnlyRootFilesystem())
        .as("set by the template")
        .isFalse();
    assertThat(app.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
  }

  @Test
  void swellAddsWhatItOwns() {
    Deployment api = Workloads.api(OWN, true);
    var template = api.getSpec().getTemplate();
    assertThat(template.getMetadata().getLabels())
        .containsEntry("team", "payments")
        .containsAllEntriesOf(ChildNames.labels(OWN, Component.API));
    Container app = container(api, "api");
    assertThat(app.getImage())
        .as("spec.image, the template naming none")
        .isEqualTo("registry.example/shop:2.1");
    assertThat(names(app.getEnv()))
        .as("the contract first, so the template's env may refer to it; then the template's")
        .startsWith("SWELL_COMPONENT", "PORT", "POD_NAME")
        .contains("REDIS_URL")
        .endsWith("LOG_DIR");
    assertThat(app.getResources().getRequests())
        .containsEntry("cpu", new Quantity("300m"))
        .containsKey("memory");
    assertThat(app.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(app.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(app.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(app.getVolumeMounts()).extracting("mountPath").contains("/logs", "/tmp");
    Container sidecar = container(api, "log-shipper");
    assertThat(names(sidecar.getEnv()))
        .as("a sidecar's env is its own")
        .containsExactly("POD_NAME");
    assertThat(sidecar.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    var pod = template.getSpec();
    assertThat(pod.getInitContainers().get(0).getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser())
        .as("the image's own user, not Swell's")
        .isNull();
    assertThat(pod.getTopologySpreadConstraints()).hasSize(1);
    assertThat(Networking.apiService(OWN).getSpec().getPorts().get(0).getTargetPort().getIntVal())
        .as("the Service reaches the template's port by number")
        .isEqualTo(8000);
  }

  @Test
  void aWorkerTemplateGetsTheWorkersGracePlacementAndAPortOnlyIfItHasNone() {
    Deployment worker = Workloads.worker(OWN, true);
    PodSpec pod = worker.getSpec().getTemplate().getSpec();
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(120L);
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    Container app = pod.getContainers().get(0);
    assertThat(app.getName())
        .as("no container named worker: the first is the app")
        .isEqualTo("celery");
    assertThat(app.getImage()).isEqualTo("registry.example/shop-worker:2.1");
    assertThat(app.getArgs()).startsWith("celery");
    assertThat(app.getReadinessProbe()).isNull();
    assertThat(names(app.getEnv())).contains("QUEUE_KEY", "GRACE_SECONDS");
    assertThat(pod.getTolerations())
        .extracting("key")
        .as("the template's and the dedicated nodes'")
        .containsExactly("gpu", "dedicated");
    assertThat(pod.getAffinity().getNodeAffinity()).as("the dedicated nodes' affinity").isNotNull();
    assertThat(app.getPorts())
        .as("the template has none: Swell's http port")
        .extracting("name")
        .containsExactly("http");
    assertThat(worker.getSpec().getReplicas()).as("the queue autoscaler's").isNull();
  }

  @Test
  void withoutATemplateNothingChanges() {
    ScalableService plain =
        Fixtures.service(
            """
        image: swell/sample-app:0.1.0
        redis: {mode: Managed}
        worker: {queue: {key: jobs}}
        """);
    Container app =
        Workloads.worker(plain, true).getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(app.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(
            Workloads.worker(plain, true)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getSecurityContext()
                .getRunAsUser())
        .isEqualTo(PodSecurity.APP_UID);
  }

  static ScalableService worker(String containers) {
    return Fixtures.service(
        "image: a\nredis: {}\nworker: {queue: {key: q}, podTemplate: {spec: "
            + containers
            + "}}\n");
  }

  @Test
  void whatTheApiServerCannotAffordToCheckIsAnInvalidSpecNamingTheField() {
    assertThatThrownBy(
            () ->
                Workloads.worker(
                    worker(
                        "{containers: [{name: worker}, {name: debug, securityContext: {privileged:"
                            + " true}}]}"),
                    true))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining(
            "spec.worker.podTemplate.spec.containers[1].securityContext.privileged");
    assertThatThrownBy(
            () ->
                Workloads.worker(
                    worker(
                        "{containers: [{name: w}], initContainers: [{name: i, securityContext:"
                            + " {privileged: true}}]}"),
                    true))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.worker.podTemplate.spec.initContainers[0]");
    assertThatThrownBy(
            () ->
                Workloads.worker(
                    worker(
                        "{containers: [{name: shipper}, {name: worker, env: [{name: A, value: b},"
                            + " {name: POD_NAME, value: other}]}]}"),
                    true))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.worker.podTemplate.spec.containers[1].env[1]")
        .hasMessageContaining("POD_NAME");
    assertThatThrownBy(
            () ->
                Workloads.worker(
                    worker("{containers: [{name: celery, env: [{name: QUEUE_KEY, value: x}]}]}"),
                    true))
        .as("no container named worker: the first is the app")
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("containers[0].env[0]");
    assertThat(
            Workloads.worker(
                worker(
                    "{containers: [{name: worker}, {name: shipper, env: [{name: POD_NAME, value:"
                        + " x}]}]}"),
                true))
        .as("a sidecar's env is its own")
        .isNotNull();
  }
}
