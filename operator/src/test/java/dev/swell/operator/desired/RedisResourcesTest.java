package dev.swell.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.swell.operator.Fixtures;
import dev.swell.operator.api.ManagedRedis;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RedisResourcesTest {

  static final ScalableService SHOP =
      Fixtures.service(
          """
      image: app
      redis: {mode: Managed, managed: {maxMemory: 256Mi}}
      """);

  static Container redis(ScalableService s) {
    return RedisResources.deployment(s, "registry.example/redis:7")
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  @Test
  void redisEvictsOnlyKeysWithAnExpiryAndAppendsEveryWriteToItsDataVolume() {
    Container redis = redis(SHOP);
    assertThat(redis.getImage())
        .as("the operator's default image")
        .isEqualTo("registry.example/redis:7");
    assertThat(String.join(" ", redis.getArgs()))
        .contains(
            "--maxmemory 268435456",
            "--maxmemory-policy volatile-ttl",
            "--dir /data",
            "--appendonly yes",
            "--appendfsync everysec",
            "/etc/redis/redis.conf");
    assertThat(redis.getVolumeMounts())
        .anyMatch(m -> m.getName().equals("data") && m.getMountPath().equals("/data"));
    assertThat(redis.getResources().getRequests()).containsEntry("memory", new Quantity("256Mi"));
    assertThat(redis.getResources().getLimits()).containsEntry("memory", new Quantity("512Mi"));
    assertThat(redis.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(redis.getReadinessProbe().getExec().getCommand())
        .containsExactly("redis-cli", "ping");
    var deployment = RedisResources.deployment(SHOP, ManagedRedis.DEFAULT_IMAGE);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(1);
    assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxSurge().getIntVal())
        .as("never two Redis on one data volume")
        .isZero();
    assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(v -> v.getName().equals("data") && v.getEmptyDir() != null);
    assertThat(RedisResources.claimed(SHOP)).isFalse();
  }

  @Test
  void theServicesImageWinsOverTheOperatorsDefault() {
    ScalableService own =
        Fixtures.service(
            """
        image: app
        redis: {mode: Managed, managed: {image: "redis:7.2"}}
        """);
    assertThat(redis(own).getImage()).isEqualTo("redis:7.2");
  }

  @Test
  void withoutMaxMemoryRedisTakesHalfTheMemoryLimitItIsGiven() {
    ScalableService limited =
        Fixtures.service(
            """
        image: app
        redis: {mode: Managed, managed: {resources: {limits: {memory: 1Gi}}}}
        """);
    assertThat(String.join(" ", redis(limited).getArgs())).contains("--maxmemory 536870912");
    assertThat(redis(limited).getResources().getLimits())
        .containsEntry("memory", new Quantity("1Gi"));
  }

  @Test
  void aMemoryLimitWithoutRoomBeyondMaxMemoryIsAnInvalidSpecNamingTheField() {
    ScalableService tight =
        Fixtures.service(
            """
        image: app
        redis: {mode: Managed, managed: {maxMemory: 512Mi, resources: {limits: {memory: 600Mi}}}}
        """);
    assertThatThrownBy(() -> RedisResources.deployment(tight, ManagedRedis.DEFAULT_IMAGE))
        .isInstanceOf(InvalidSpecException.class)
        .hasMessageContaining("spec.redis.managed.resources.limits.memory (600Mi)")
        .hasMessageContaining("1.5 times spec.redis.managed.maxMemory (512Mi)");
  }

  @Test
  void storageGivesRedisAClaimInsteadOfAnEmptyDir() {
    ScalableService stored =
        Fixtures.service(
            """
        image: app
        redis: {mode: Managed, managed: {storage: {size: 2Gi, storageClassName: fast}}}
        """);
    assertThat(RedisResources.claimed(stored)).isTrue();
    var claim = RedisResources.claim(stored);
    assertThat(claim.getMetadata().getName()).isEqualTo("shop-redis");
    assertThat(claim.getSpec().getResources().getRequests())
        .containsEntry("storage", new Quantity("2Gi"));
    assertThat(claim.getSpec().getStorageClassName()).isEqualTo("fast");
    assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteOnce");
    assertThat(
            RedisResources.deployment(stored, ManagedRedis.DEFAULT_IMAGE)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getVolumes())
        .anyMatch(
            v ->
                v.getName().equals("data")
                    && v.getPersistentVolumeClaim() != null
                    && v.getPersistentVolumeClaim().getClaimName().equals("shop-redis"));
  }

  @Test
  void thePasswordIsGeneratedOnceAndNeverReplaced() {
    Secret first = RedisResources.secret(SHOP, null);
    String password = RedisResources.password(first);
    assertThat(password).hasSizeGreaterThanOrEqualTo(32);
    assertThat(RedisResources.password(RedisResources.secret(SHOP, null)))
        .as("new secrets get new passwords")
        .isNotEqualTo(password);
    Secret again = RedisResources.secret(SHOP, password);
    assertThat(again.getData()).isEqualTo(first.getData());
    String conf =
        new String(
            Base64.getDecoder().decode(first.getData().get("redis.conf")), StandardCharsets.UTF_8);
    assertThat(conf).contains("requirepass " + password);
  }

  @Test
  void onlyTheServicesPodsAndTheOperatorMayReachRedis() {
    NetworkPolicy policy =
        RedisResources.networkPolicy(
            SHOP, "swell-system", Map.of("app.kubernetes.io/name", "swell-operator"));
    assertThat(policy.getSpec().getPodSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/component", "redis")
        .containsEntry("app.kubernetes.io/name", "shop");
    assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
    var from = policy.getSpec().getIngress().get(0).getFrom();
    assertThat(from).hasSize(2);
    assertThat(from.get(0).getPodSelector().getMatchLabels())
        .as("by the label only the operator's Deployments may give (manifests/admission)")
        .containsExactlyEntriesOf(Map.of("swell.dev/redis-client", "shop"));
    assertThat(from.get(0).getPodSelector().getMatchExpressions()).isNullOrEmpty();
    assertThat(from.get(0).getNamespaceSelector()).as("same namespace only").isNull();
    assertThat(from.get(1).getNamespaceSelector().getMatchLabels())
        .containsEntry("kubernetes.io/metadata.name", "swell-system");
    assertThat(policy.getSpec().getIngress().get(0).getPorts().get(0).getPort().getIntVal())
        .isEqualTo(6379);
  }

  @Test
  void kubernetesQuantitiesBecomeRedisBytes() {
    assertThat(RedisResources.redisBytes("256Mi")).isEqualTo("268435456");
    assertThat(RedisResources.redisBytes("1Gi")).isEqualTo("1073741824");
    assertThat(RedisResources.redisBytes("500M")).isEqualTo("500000000");
  }
}
