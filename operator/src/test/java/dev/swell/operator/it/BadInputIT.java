package dev.swell.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input is rejected by a real kube-apiserver, from the CRD's schema and CEL rules, with a
 * message that names the field. (CEL is only evaluated by a real API server.)
 */
@EnableKubeAPIServer(kubeAPIVersion = ApiServer.VERSION)
class BadInputIT {

  static KubernetesClient client;
  static final String NS = "bad-input";

  @BeforeAll
  static void installCrd() {
    Crds.install(client);
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
  }

  static GenericKubernetesResource service(String name, String spec) {
    return Serialization.unmarshal(
        """
        apiVersion: swell.dev/v1alpha1
        kind: ScalableService
        metadata:
          name: %s
          namespace: %s
        spec:
        %s"""
            .formatted(name, NS, spec.indent(2)),
        GenericKubernetesResource.class);
  }

  static Stream<Arguments> badInputs() {
    return Stream.of(
        Arguments.of(
            "two spread constraints on one key",
            "image: a\nredis: {}\napi: {}\nplacement: {spread: [{topologyKey: zone}, {topologyKey: zone, maxSkew: 2}]}",
            "spec.placement.spread",
            "same topologyKey"),
        Arguments.of(
            "a budget of minus one pod",
            "image: a\nredis: {}\napi: {disruptionBudget: {minAvailable: -1}}",
            "spec.api.disruptionBudget.minAvailable",
            "number of pods >= 0"),
        Arguments.of(
            "a budget of 150 percent",
            "image: a\nredis: {}\napi: {disruptionBudget: {maxUnavailable: '150%'}}",
            "spec.api.disruptionBudget.maxUnavailable",
            "percentage"),
        Arguments.of(
            "an ingress host that is an ip",
            "image: a\nredis: {}\napi: {ingress: {host: 10.0.0.1}}",
            "spec.api.ingress.host",
            "not an IP address"),
        Arguments.of(
            "an ingress host over 253 characters",
            "image: a\nredis: {}\napi: {ingress: {host: "
                + ("a".repeat(60) + ".").repeat(5)
                + "com}}",
            "spec.api.ingress.host",
            "253"),
        Arguments.of(
            "an ingress host label over 63 characters",
            "image: a\nredis: {}\napi: {ingress: {host: " + "a".repeat(64) + ".com}}",
            "spec.api.ingress.host",
            "should match"),
        Arguments.of(
            "an ingress path that climbs",
            "image: a\nredis: {}\napi: {ingress: {host: shop.example, path: /a/../b}}",
            "spec.api.ingress.path",
            "clean absolute path"),
        Arguments.of(
            "an ingress class that is no name",
            "image: a\nredis: {}\napi: {ingress: {host: shop.example, className: 'Nginx Class'}}",
            "spec.api.ingress.className",
            "should match"),
        Arguments.of(
            "a tls secret that is no name",
            "image: a\nredis: {}\napi: {ingress: {host: shop.example, tlsSecretName: 'my_cert'}}",
            "spec.api.ingress.tlsSecretName",
            "should match"),
        Arguments.of(
            "a cache ttl over 30 days",
            "image: a\nredis: {}\napi: {cache: {ttl: 800h}}",
            "spec.api.cache.ttl",
            "at most 720h"),
        Arguments.of(
            "a redis url with a port too high",
            "image: a\nredis: {mode: External, external: {url: 'redis://cache:70000'}}\napi: {}",
            "spec.redis.external.url",
            "port above 65535"),
        Arguments.of(
            "a redis url with a password in it",
            "image: a\nredis: {mode: External, external: {url: 'redis://app:secret@cache:6379'}}\napi: {}",
            "spec.redis.external.url",
            "passwordSecretRef"),
        Arguments.of(
            "a trusted proxy that is a name",
            "image: a\nredis: {}\napi: {ingress: {host: shop.example, trustedProxies: [ingress-nginx]}}",
            "spec.api.ingress.trustedProxies",
            "IP addresses or IPv4 CIDRs"),
        Arguments.of(
            "a trusted proxy range in IPv6",
            "image: a\nredis: {}\napi: {ingress: {host: shop.example, trustedProxies: ['fd00::/8']}}",
            "spec.api.ingress.trustedProxies",
            "IP addresses or IPv4 CIDRs"),
        Arguments.of(
            "trusted proxies in env and in the ingress",
            "image: a\nredis: {}\napi:\n  ingress: {host: shop.example, trustedProxies: [10.244.0.0/16]}\n  env: [{name: TRUSTED_PROXIES, value: 10.0.0.1}]",
            "spec.api.env",
            "must not set TRUSTED_PROXIES"),
        Arguments.of(
            "a password secret without a name",
            "image: a\nredis: {mode: External, external: {url: 'redis://cache:6379', passwordSecretRef: {key: password}}}\napi: {}",
            "spec.redis.external.passwordSecretRef.name",
            "is required"),
        Arguments.of(
            "a password secret with an empty name",
            "image: a\nredis: {mode: External, external: {url: 'redis://cache:6379', passwordSecretRef: {name: '', key: password}}}\napi: {}",
            "spec.redis.external.passwordSecretRef.name",
            "is required"),
        Arguments.of(
            "a password secret without a key",
            "image: a\nredis: {mode: External, external: {url: 'redis://cache:6379', passwordSecretRef: {name: redis-auth}}}\napi: {}",
            "spec.redis.external.passwordSecretRef.key",
            "is required"),
        Arguments.of(
            "a rediss url with tls false",
            "image: a\nredis: {mode: External, external: {url: 'rediss://cache:6380', tls: false}}\napi: {}",
            "spec.redis.external.tls",
            "rediss://"),
        Arguments.of(
            "a maxmemory of zero",
            "image: a\nredis: {managed: {maxMemory: '0'}}\napi: {}",
            "spec.redis.managed.maxMemory",
            "at least 1Mi"),
        Arguments.of(
            "a maxmemory of one byte",
            "image: a\nredis: {managed: {maxMemory: '1'}}\napi: {}",
            "spec.redis.managed.maxMemory",
            "at least 1Mi"),
        Arguments.of(
            "a queue key among the cache entries",
            "image: a\nredis: {}\nworker: {queue: {key: 'product:jobs'}}",
            "spec.worker.queue.key",
            "must not start with product:"),
        Arguments.of(
            "api min above max",
            "image: a\napi: {autoscaling: {minReplicas: 5, maxReplicas: 2, cpuUtilization: 50}}",
            "spec.api.autoscaling.minReplicas",
            "must be <= maxReplicas"),
        Arguments.of(
            "worker min above max",
            "image: a\nredis: {}\nworker: {queue: {key: q}, autoscaling: {minReplicas: 4, maxReplicas: 2}}",
            "spec.worker.autoscaling.minReplicas",
            "must be <= maxReplicas"),
        Arguments.of(
            "zero backlog target",
            "image: a\nredis: {}\nworker: {queue: {key: q, targetBacklogPerReplica: 0}}",
            "spec.worker.queue.targetBacklogPerReplica",
            "greater than or equal to 1"),
        Arguments.of(
            "negative backlog target",
            "image: a\nredis: {}\nworker: {queue: {key: q, targetBacklogPerReplica: -5}}",
            "spec.worker.queue.targetBacklogPerReplica",
            "greater than or equal to 1"),
        Arguments.of(
            "managed with external settings",
            "image: a\nredis: {mode: Managed, external: {url: \"redis://x:6379\"}}",
            "spec.redis.external",
            "must not be set when spec.redis.mode is Managed"),
        Arguments.of(
            "external without url",
            "image: a\nredis: {mode: External, external: {tls: true}}",
            "spec.redis.external",
            "spec.redis.external.url is required"),
        Arguments.of(
            "external without external",
            "image: a\nredis: {mode: External}",
            "spec.redis.external",
            "spec.redis.external.url is required"),
        Arguments.of(
            "worker without redis",
            "image: a\nredis: {mode: None}\nworker: {queue: {key: q}}",
            "spec.worker",
            "cannot be enabled with spec.redis.mode None"),
        Arguments.of(
            "port zero", "image: a\napi: {port: 0}", "spec.api.port", "greater than or equal to 1"),
        Arguments.of(
            "port too high",
            "image: a\napi: {port: 70000}",
            "spec.api.port",
            "less than or equal to 65535"),
        Arguments.of("empty image", "image: \"\"\napi: {}", "spec.image", "at least 1 chars long"),
        Arguments.of("missing image", "api: {}", "spec.image", "Required value"),
        Arguments.of(
            "malformed node selector key",
            "image: a\nplacement: {nodeSelector: {\"bad key!\": x}}",
            "spec.placement.nodeSelector",
            "malformed label key"),
        Arguments.of(
            "malformed topology key",
            "image: a\nplacement: {spread: [{topologyKey: \"-zone\"}]}",
            "spec.placement.spread[0].topologyKey",
            "should match"),
        Arguments.of(
            "malformed dedicated key",
            "image: a\napi: {placement: {dedicatedNodes: {key: \"a b\", value: w}}}",
            "spec.api.placement.dedicatedNodes.key",
            "should match"),
        Arguments.of(
            "unknown anti-affinity",
            "image: a\nplacement: {antiAffinity: Sometimes}",
            "spec.placement.antiAffinity",
            "Unsupported value"),
        Arguments.of(
            "unknown redis mode",
            "image: a\nredis: {mode: Clustered}",
            "spec.redis.mode",
            "Unsupported value"),
        Arguments.of(
            "poll interval not a duration",
            "image: a\nredis: {}\nworker: {queue: {key: q}, autoscaling: {pollInterval: fast}}",
            "spec.worker.autoscaling.pollInterval",
            "should match"),
        Arguments.of(
            "a worker setting its own POD_NAME",
            "image: a\nredis: {}\nworker: {queue: {key: q}, env: [{name: POD_NAME, value: other-pod}]}",
            "spec.worker.env",
            "must not set SWELL_COMPONENT, PORT, POD_NAME"),
        Arguments.of(
            "an api overriding REDIS_URL",
            "image: a\nredis: {}\napi: {env: [{name: LOG, value: x}, {name: REDIS_URL, value: \"redis://evil:6379\"}]}",
            "spec.api.env",
            "Swell sets them from the spec"),
        Arguments.of(
            "a drain time of zero",
            "image: a\nredis: {}\nworker: {queue: {key: q, drainTime: 0s}}",
            "spec.worker.queue.drainTime",
            "at least 1s"),
        Arguments.of(
            "fallback below minReplicas",
            "image: a\nredis: {}\nworker: {queue: {key: q}, autoscaling: {minReplicas: 3, maxReplicas: 5, fallback: {replicas: 1}}}",
            "spec.worker.autoscaling.fallback",
            "must be >= minReplicas"),
        Arguments.of(
            "a worker grace period of zero",
            "image: a\nredis: {}\nworker: {queue: {key: q}, terminationGracePeriodSeconds: 0}",
            "spec.worker.terminationGracePeriodSeconds",
            "greater than or equal to 1"),
        Arguments.of(
            "poll interval too fast",
            "image: a\nredis: {}\nworker: {queue: {key: q}, autoscaling: {pollInterval: 10ms}}",
            "spec.worker.autoscaling.pollInterval",
            "between 100ms and 60s"),
        Arguments.of(
            "hpa without a metric",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3}}",
            "spec.api.autoscaling",
            "needs metrics, cpuUtilization or memoryUtilization"),
        Arguments.of(
            "an unknown api metric",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: rps, target: 5}]}}",
            "spec.api.autoscaling.metrics[0].type",
            "Unsupported value"),
        Arguments.of(
            "a concurrency target of zero",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: concurrency, target: 0}]}}",
            "spec.api.autoscaling.metrics[0].target",
            "whole number from 1"),
        Arguments.of(
            "a negative requests target",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: requestsPerSecond, target: -5}]}}",
            "spec.api.autoscaling.metrics[0].target",
            "whole number from 1"),
        Arguments.of(
            "a latency target that is no duration",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: latency, target: fast}]}}",
            "spec.api.autoscaling.metrics[0].target",
            "duration from 1ms to 60s"),
        Arguments.of(
            "a latency target as a bare number",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: latency, target: 200}]}}",
            "spec.api.autoscaling.metrics[0].target",
            "a latency target is a duration"),
        Arguments.of(
            "a latency target of zero",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: latency, target: 0ms}]}}",
            "spec.api.autoscaling.metrics[0].target",
            "duration from 1ms to 60s"),
        Arguments.of(
            "a percentile of 100",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: latency, target: 200ms, percentile: 100}]}}",
            "spec.api.autoscaling.metrics[0].percentile",
            "above 0 and below 100"),
        Arguments.of(
            "a percentile of 0",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: latency, target: 200ms, percentile: 0}]}}",
            "spec.api.autoscaling.metrics[0].percentile",
            "above 0 and below 100"),
        Arguments.of(
            "a percentile on another metric",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: concurrency, target: 5, percentile: 50}]}}",
            "spec.api.autoscaling.metrics[0].percentile",
            "latency only"),
        Arguments.of(
            "a cpu target over 1000%",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: cpu, target: 5000}]}}",
            "spec.api.autoscaling.metrics[0].target",
            "percent of the request"),
        Arguments.of(
            "a metric twice",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: concurrency, target: 5}, {type: concurrency, target: 9}]}}",
            "spec.api.autoscaling.metrics",
            "at most once"),
        Arguments.of(
            "cpu in metrics and as cpuUtilization",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, cpuUtilization: 50, metrics: [{type: cpu, target: 60}]}}",
            "spec.api.autoscaling.metrics",
            "set twice"),
        Arguments.of(
            "cpu only with a Swell-only option",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: cpu, target: 60}], pollInterval: 1s}}",
            "spec.api.autoscaling",
            "need a metric Swell reads"),
        Arguments.of(
            "cpuUtilization with a burst",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, cpuUtilization: 60, burst: {}}}",
            "spec.api.autoscaling",
            "need a metric Swell reads"),
        Arguments.of(
            "an api poll of 10ms",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: concurrency, target: 5}], pollInterval: 10ms}}",
            "spec.api.autoscaling.pollInterval",
            "between 100ms and 60s"),
        Arguments.of(
            "a burst threshold that is no rise",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: concurrency, target: 5}], burst: {threshold: 100}}}",
            "spec.api.autoscaling.burst.threshold",
            "greater than or equal to 110"),
        Arguments.of(
            "a scrape path that is no path",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, metrics: [{type: concurrency, target: 5}], scrape: {path: 'http://evil/'}}}",
            "spec.api.autoscaling.scrape.path",
            "should match"),
        Arguments.of(
            "zero cpu target",
            "image: a\napi: {autoscaling: {minReplicas: 1, maxReplicas: 3, cpuUtilization: 0}}",
            "spec.api.autoscaling.cpuUtilization",
            "greater than or equal to 1"),
        Arguments.of(
            "external url not redis",
            "image: a\nredis: {mode: External, external: {url: \"http://cache:6379\"}}",
            "spec.redis.external.url",
            "should match"),
        Arguments.of(
            "queue without key",
            "image: a\nredis: {}\nworker: {queue: {targetBacklogPerReplica: 5}}",
            "spec.worker.queue.key",
            "Required value"),
        Arguments.of(
            "fallback above max",
            "image: a\nredis: {}\nworker: {queue: {key: q}, autoscaling: {maxReplicas: 3, fallback: {replicas: 5}}}",
            "spec.worker.autoscaling.fallback",
            "fallback.replicas must be <= maxReplicas"),
        Arguments.of(
            "burst below rate",
            "image: a\napi: {rateLimit: {requestsPerSecond: 100, burst: 10}}",
            "spec.api.rateLimit.burst",
            "burst must be >= requestsPerSecond"),
        Arguments.of(
            "both budget fields",
            "image: a\napi: {replicas: 2, disruptionBudget: {minAvailable: 1, maxUnavailable: 1}}",
            "spec.api.disruptionBudget",
            "either minAvailable or maxUnavailable"),
        Arguments.of(
            "bad ingress host",
            "image: a\napi: {ingress: {host: \"Shop_Host\"}}",
            "spec.api.ingress.host",
            "should match"),
        Arguments.of(
            "cache ttl in words",
            "image: a\napi: {cache: {ttl: \"5 minutes\"}}",
            "spec.api.cache.ttl",
            "should match"),
        Arguments.of(
            "negative grace period",
            "image: a\nredis: {}\nworker: {queue: {key: q}, terminationGracePeriodSeconds: -1}",
            "spec.worker.terminationGracePeriodSeconds",
            "greater than or equal to 1"),
        Arguments.of(
            "redis storage without a size",
            "image: a\nredis: {managed: {storage: {storageClassName: fast}}}",
            "spec.redis.managed.storage.size",
            "Required value"),
        Arguments.of(
            "redis storage size in bytes",
            "image: a\nredis: {managed: {storage: {size: \"1000000\"}}}",
            "spec.redis.managed.storage.size",
            "should match"),
        Arguments.of(
            "pod template with swell's labels",
            "image: a\napi: {podTemplate: {metadata: {labels: {app.kubernetes.io/name: other}}}}",
            "spec.api.podTemplate.metadata.labels",
            "must not set app.kubernetes.io/name"),
        Arguments.of(
            "pod template on the host network",
            "image: a\napi: {podTemplate: {spec: {hostNetwork: true, containers: [{name: api}]}}}",
            "spec.api.podTemplate.spec",
            "must not use the host's network"),
        Arguments.of(
            "worker grace period in the pod template",
            "image: a\nredis: {}\nworker: {queue: {key: q}, podTemplate: {spec:"
                + " {terminationGracePeriodSeconds: 5, containers: [{name: worker}]}}}",
            "spec.worker.podTemplate.spec.terminationGracePeriodSeconds",
            "set spec.worker.terminationGracePeriodSeconds instead"),
        Arguments.of(
            "stream without a group",
            "image: a\nredis: {}\nworker: {queue: {key: orders, type: Streams}}",
            "spec.worker.queue.group",
            "required when spec.worker.queue.type is Streams"),
        Arguments.of(
            "group on a list",
            "image: a\nredis: {}\nworker: {queue: {key: q, group: g}}",
            "spec.worker.queue.group",
            "only for spec.worker.queue.type Streams"),
        Arguments.of(
            "queues on BullMQ",
            "image: a\nredis: {}\nworker: {queue: {key: q, type: BullMQ, queues: [other]}}",
            "spec.worker.queue.queues",
            "only for spec.worker.queue.type RQ, Celery and Sidekiq"),
        Arguments.of(
            "prefix on RQ",
            "image: a\nredis: {}\nworker: {queue: {key: q, type: RQ, prefix: x}}",
            "spec.worker.queue.prefix",
            "only for spec.worker.queue.type BullMQ, Celery and Sidekiq"),
        Arguments.of(
            "drain time on Celery",
            "image: a\nredis: {}\nworker: {queue: {key: q, type: Celery, drainTime: 30s}}",
            "spec.worker.queue.drainTime",
            "only types List and Streams keep"),
        Arguments.of(
            "group on Sidekiq",
            "image: a\nredis: {}\nworker: {queue: {key: q, type: Sidekiq, group: g}}",
            "spec.worker.queue.group",
            "only for spec.worker.queue.type Streams"),
        Arguments.of(
            "drain time on Sidekiq",
            "image: a\nredis: {}\nworker: {queue: {key: q, type: Sidekiq, drainTime: 30s}}",
            "spec.worker.queue.drainTime",
            "only types List and Streams keep"),
        Arguments.of(
            "unknown queue type",
            "image: a\nredis: {}\nworker: {queue: {key: q, type: Resque}}",
            "spec.worker.queue.type",
            "Unsupported value"));
  }

  @Test
  void aSidecarMaySetNamesOfTheEnvContractForItself() {
    assertThat(
            client
                .resource(
                    service(
                        "sidecar-env",
                        "image: a\napi: {podTemplate: {spec: {containers: [{name: api}, {name:"
                            + " shipper, image: fluent-bit, env: [{name: POD_NAME, valueFrom:"
                            + " {fieldRef: {fieldPath: metadata.name}}}]}]}}}"))
                .dryRun()
                .create())
        .isNotNull();
  }

  @Test
  void trustedProxiesTakeAddressesAndIpv4Ranges() {
    assertThat(
            client
                .resource(
                    service(
                        "proxies",
                        "image: a\nredis: {}\napi: {ingress: {host: shop.example,"
                            + " trustedProxies: [10.244.0.0/16, 10.96.0.10, 'fd00::1']}}"))
                .dryRun()
                .create())
        .isNotNull();
  }

  @Test
  void redisStorageMayGrowButNeitherShrinkNorChangeItsClass() {
    GenericKubernetesResource created =
        client
            .resource(
                service(
                    "storage",
                    "image: a\nredis: {managed: {storage: {size: 2Gi, storageClassName: fast}}}"))
            .create();
    var grown = client.resource(withStorage(created, "3Gi", "fast")).update();
    assertThatThrownBy(() -> client.resource(withStorage(grown, "1Gi", "fast")).update())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.redis.managed.storage.size")
        .hasMessageContaining("may grow but not shrink");
    assertThatThrownBy(() -> client.resource(withStorage(grown, "3Gi", "slow")).update())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.redis.managed.storage.storageClassName")
        .hasMessageContaining("cannot change once the claim exists");
    assertThatThrownBy(() -> client.resource(withStorage(grown, "3Gi", null)).update())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("cannot change once the claim exists");
  }

  @SuppressWarnings("unchecked")
  static GenericKubernetesResource withStorage(
      GenericKubernetesResource s, String size, String storageClassName) {
    var spec = (Map<String, Object>) s.getAdditionalProperties().get("spec");
    var managed = (Map<String, Object>) ((Map<String, Object>) spec.get("redis")).get("managed");
    Map<String, Object> storage = new LinkedHashMap<>();
    storage.put("size", size);
    if (storageClassName != null) {
      storage.put("storageClassName", storageClassName);
    }
    managed.put("storage", storage);
    return s;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badInputs")
  void isRejectedWithAMessageNamingTheField(
      String name, String spec, String field, String message) {
    GenericKubernetesResource bad = service(resourceName(name), spec);
    assertThatThrownBy(() -> client.resource(bad).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(
            e -> {
              KubernetesClientException k = (KubernetesClientException) e;
              assertThat(k.getCode()).isEqualTo(422);
              assertThat(k.getMessage()).contains(field).contains(message);
            });
  }

  /** The case as a valid name (so that only the case's own rule can refuse it). */
  static String resourceName(String name) {
    String n = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    n = n.length() > 57 ? n.substring(0, 57).replaceAll("-$", "") : n;
    return Character.isLetter(n.charAt(0)) ? n : "x" + n.substring(0, Math.min(n.length(), 56));
  }

  @ParameterizedTest(name = "the name {0}")
  @ValueSource(
      strings = {
        "a-name-so-long-that-its-redis-service-would-pass-sixty-three-chars",
        "1st-service",
        "two..dots"
      })
  void aNameItsChildrenCannotCarryIsRejected(String name) {
    assertThatThrownBy(
            () -> client.resource(service(name, "image: a\nredis: {}\napi: {}")).create())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(
            e -> {
              KubernetesClientException k = (KubernetesClientException) e;
              assertThat(k.getCode()).isEqualTo(422);
              assertThat(k.getMessage()).contains("metadata.name").contains("DNS-1035");
            });
    assertThat(
            client
                .resource(service("a".repeat(57), "image: a\nredis: {}\napi: {}"))
                .dryRun()
                .create())
        .as("57 characters: <name>-redis is 63")
        .isNotNull();
  }

  @Test
  void everySampleIsAccepted() throws IOException {
    List<Path> samples;
    try (Stream<Path> files = Files.list(Path.of("../manifests/samples"))) {
      samples =
          files
              .filter(p -> p.toString().endsWith(".yaml") && !p.endsWith("kustomization.yaml"))
              .sorted()
              .toList();
    }
    assertThat(samples).isNotEmpty();
    for (Path sample : samples) {
      for (var item : client.load(Files.newInputStream(sample)).items()) {
        item.getMetadata().setNamespace(NS);
        assertThat(client.resource(item).dryRun().create()).as(sample.toString()).isNotNull();
      }
    }
  }

  @Test
  void defaultsAreFilledInByTheApiServer() {
    GenericKubernetesResource created =
        client
            .resource(
                service(
                    "defaults",
                    "image: a\nredis: {}\napi: {}\nworker: {queue: {key: q}, autoscaling: {}}"))
            .create();
    var spec = (Map<?, ?>) created.getAdditionalProperties().get("spec");
    assertThat(((Map<?, ?>) spec.get("redis")).get("mode")).isEqualTo("Managed");
    assertThat(((Map<?, ?>) spec.get("api")).get("port")).isEqualTo(8080);
    var worker = (Map<?, ?>) spec.get("worker");
    assertThat(((Map<?, ?>) worker.get("queue")).get("targetBacklogPerReplica")).isEqualTo(20);
    assertThat(((Map<?, ?>) worker.get("autoscaling")).get("pollInterval")).isEqualTo("1s");
    assertThat(((Map<?, ?>) worker.get("autoscaling")).get("cooldown")).isEqualTo("300s");
  }
}
