package dev.swell.operator.desired;

import dev.swell.operator.api.Defaults;
import dev.swell.operator.api.ManagedRedis;
import dev.swell.operator.api.RedisStorage;
import dev.swell.operator.api.ScalableService;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStrategyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The managed Redis: a single-replica Deployment, its Service, password Secret and NetworkPolicy.
 */
public final class RedisResources {

  public static final int PORT = 6379;
  public static final String PASSWORD_KEY = "password";
  static final String CONFIG_KEY = "redis.conf";
  private static final SecureRandom RANDOM = new SecureRandom();

  private RedisResources() {}

  /**
   * The Redis Deployment. Queue data has no expiry and Redis evicts only keys that have one
   * (volatile-ttl), so a cache filling memory never evicts a job; every write is appended to a file
   * on the data volume, fsynced each second, so a restarted Redis has its jobs back.
   *
   * @param defaultImage the image when the service names none (the operator's setting)
   */
  public static Deployment deployment(ScalableService s, String defaultImage) {
    ManagedRedis managed = managed(s);
    SpecChecks.resources(managed.resources, "spec.redis.managed.resources");
    String maxMemory = maxMemory(managed);
    checkRoom(managed, maxMemory);
    Container redis =
        new ContainerBuilder()
            .withName("redis")
            .withImage(managed.image == null ? defaultImage : managed.image)
            // the password stays in the mounted config file, out of the process's command line
            .withArgs(
                "/etc/redis/" + CONFIG_KEY,
                "--maxmemory",
                redisBytes(maxMemory),
                "--maxmemory-policy",
                "volatile-ttl",
                "--dir",
                "/data",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--save",
                "")
            .addNewPort()
            .withName("redis")
            .withContainerPort(PORT)
            .withProtocol("TCP")
            .endPort()
            .addNewEnv()
            .withName("REDISCLI_AUTH")
            .withNewValueFrom()
            .withNewSecretKeyRef()
            .withName(ChildNames.redisSecret(s))
            .withKey(PASSWORD_KEY)
            .endSecretKeyRef()
            .endValueFrom()
            .endEnv()
            .withNewReadinessProbe()
            .withNewExec()
            .withCommand("redis-cli", "ping")
            .endExec()
            .withPeriodSeconds(5)
            .withTimeoutSeconds(2)
            .endReadinessProbe()
            .withNewLivenessProbe()
            .withNewTcpSocket()
            .withPort(new IntOrString(PORT))
            .endTcpSocket()
            .withPeriodSeconds(10)
            .endLivenessProbe()
            .withResources(resources(managed.resources, maxMemory))
            .withSecurityContext(PodSecurity.container())
            .addNewVolumeMount()
            .withName("config")
            .withMountPath("/etc/redis")
            .withReadOnly(true)
            .endVolumeMount()
            .addNewVolumeMount()
            .withName("data")
            .withMountPath("/data")
            .endVolumeMount()
            .build();
    Deployment deployment =
        Workloads.deployment(
            s,
            Component.REDIS,
            1,
            new PodTemplateSpecBuilder()
                .withNewMetadata()
                .withLabels(ChildNames.labels(s, Component.REDIS))
                .endMetadata()
                .withNewSpec()
                .withContainers(redis)
                .withSecurityContext(PodSecurity.pod(PodSecurity.REDIS_UID))
                .withAutomountServiceAccountToken(false)
                .addNewVolume()
                .withName("config")
                .withNewSecret()
                .withSecretName(ChildNames.redisSecret(s))
                .addNewItem()
                .withKey(CONFIG_KEY)
                .withPath(CONFIG_KEY)
                .endItem()
                .endSecret()
                .endVolume()
                .addToVolumes(dataVolume(s, managed))
                .endSpec()
                .build());
    // one Redis at a time on the data: the old pod stops before the new one starts
    deployment
        .getSpec()
        .setStrategy(
            new DeploymentStrategyBuilder()
                .withType("RollingUpdate")
                .withNewRollingUpdate()
                .withMaxSurge(new IntOrString(0))
                .withMaxUnavailable(new IntOrString(1))
                .endRollingUpdate()
                .build());
    return deployment;
  }

  private static Volume dataVolume(ScalableService s, ManagedRedis managed) {
    VolumeBuilder data = new VolumeBuilder().withName("data");
    if (managed.storage != null) {
      return data.withNewPersistentVolumeClaim()
          .withClaimName(ChildNames.of(s, Component.REDIS))
          .endPersistentVolumeClaim()
          .build();
    }
    return data.withNewEmptyDir().endEmptyDir().build();
  }

  /**
   * The claim for Redis' append-only file, when {@code spec.redis.managed.storage} asks for one.
   */
  public static PersistentVolumeClaim claim(ScalableService s) {
    RedisStorage storage = managed(s).storage;
    return new PersistentVolumeClaimBuilder()
        .withMetadata(ChildNames.metadata(s, Component.REDIS, ChildNames.of(s, Component.REDIS)))
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withStorageClassName(storage.storageClassName)
        .withNewResources()
        .addToRequests("storage", new Quantity(storage.size))
        .endResources()
        .endSpec()
        .build();
  }

  /** Whether the service asks for a claim. */
  public static boolean claimed(ScalableService s) {
    return Components.managedRedis(s) && managed(s).storage != null;
  }

  /**
   * The kernel kills a Redis whose memory limit leaves no room beyond maxMemory before Redis
   * refuses a write: buffers, and the fork that rewrites the append-only file, need it.
   */
  private static void checkRoom(ManagedRedis managed, String maxMemory) {
    Quantity limit = memoryLimit(managed);
    if (limit == null) {
      return;
    }
    BigDecimal data = Quantity.getAmountInBytes(new Quantity(maxMemory));
    if (Quantity.getAmountInBytes(limit).compareTo(data.multiply(new BigDecimal("1.5"))) < 0) {
      throw new InvalidSpecException(
          "spec.redis.managed.resources.limits.memory ("
              + limit
              + ") must be at least 1.5 times spec.redis.managed.maxMemory ("
              + maxMemory
              + "): Redis needs room for buffers and for the fork that rewrites its append-only"
              + " file, or the kernel kills it before it refuses a write");
    }
  }

  private static Quantity memoryLimit(ManagedRedis managed) {
    return managed.resources == null || managed.resources.getLimits() == null
        ? null
        : managed.resources.getLimits().get("memory");
  }

  /** maxMemory as given, else half the memory limit given, else the default. */
  static String maxMemory(ManagedRedis managed) {
    if (managed.maxMemory != null) {
      return managed.maxMemory;
    }
    Quantity limit = memoryLimit(managed);
    if (limit == null) {
      return ManagedRedis.DEFAULT_MAX_MEMORY;
    }
    BigDecimal half = Quantity.getAmountInBytes(limit).divide(BigDecimal.TWO, 0, RoundingMode.DOWN);
    return half.toPlainString();
  }

  public static Service service(ScalableService s) {
    return new ServiceBuilder()
        .withMetadata(ChildNames.metadata(s, Component.REDIS, ChildNames.of(s, Component.REDIS)))
        .withNewSpec()
        .withSelector(ChildNames.selector(s, Component.REDIS))
        .addNewPort()
        .withName("redis")
        .withPort(PORT)
        .withTargetPort(new IntOrString("redis"))
        .withProtocol("TCP")
        .endPort()
        .endSpec()
        .build();
  }

  /**
   * The password Secret. {@code existingPassword} is the password of the Secret already in the
   * cluster, if any: a password once generated is never replaced, or every client would lose Redis.
   */
  public static Secret secret(ScalableService s, String existingPassword) {
    String password = existingPassword != null ? existingPassword : newPassword();
    Map<String, String> data = new LinkedHashMap<>();
    data.put(PASSWORD_KEY, password);
    data.put(CONFIG_KEY, "requirepass " + password + "\nprotected-mode no\nport " + PORT + "\n");
    return new SecretBuilder()
        .withMetadata(ChildNames.metadata(s, Component.REDIS, ChildNames.redisSecret(s)))
        .withType("Opaque")
        .withStringData(null)
        .withData(encode(data))
        .build();
  }

  /**
   * Admits only this service's api and worker pods (by {@link ChildNames#REDIS_CLIENT}, which only
   * the operator's Deployments may give a pod), and the operator (it reads the queue length), to
   * Redis.
   */
  public static NetworkPolicy networkPolicy(
      ScalableService s, String operatorNamespace, Map<String, String> operatorPodLabels) {
    NetworkPolicyPeer app =
        new NetworkPolicyPeerBuilder()
            .withNewPodSelector()
            .addToMatchLabels(ChildNames.REDIS_CLIENT, s.getMetadata().getName())
            .endPodSelector()
            .build();
    NetworkPolicyPeer operator =
        new NetworkPolicyPeerBuilder()
            .withNewNamespaceSelector()
            .addToMatchLabels("kubernetes.io/metadata.name", operatorNamespace)
            .endNamespaceSelector()
            .withNewPodSelector()
            .withMatchLabels(operatorPodLabels)
            .endPodSelector()
            .build();
    return new NetworkPolicyBuilder()
        .withMetadata(ChildNames.metadata(s, Component.REDIS, ChildNames.of(s, Component.REDIS)))
        .withNewSpec()
        .withNewPodSelector()
        .withMatchLabels(ChildNames.selector(s, Component.REDIS))
        .endPodSelector()
        .withPolicyTypes("Ingress")
        .addNewIngress()
        .withFrom(List.of(app, operator))
        .addNewPort()
        .withProtocol("TCP")
        .withPort(new IntOrString(PORT))
        .endPort()
        .endIngress()
        .endSpec()
        .build();
  }

  /** Reads the password back from a Secret made by {@link #secret}. */
  public static String password(Secret secret) {
    if (secret == null || secret.getData() == null || secret.getData().get(PASSWORD_KEY) == null) {
      return null;
    }
    return new String(
        Base64.getDecoder().decode(secret.getData().get(PASSWORD_KEY)), StandardCharsets.UTF_8);
  }

  /** A Kubernetes quantity (256Mi) in Redis' units (256mb: Redis' "mb" is 1024*1024). */
  static String redisBytes(String quantity) {
    return Quantity.getAmountInBytes(new Quantity(quantity))
        .setScale(0, RoundingMode.UP)
        .toPlainString();
  }

  private static ResourceRequirements resources(ResourceRequirements given, String maxMemory) {
    if (given != null && (given.getRequests() != null || given.getLimits() != null)) {
      return PodSecurity.withDefaultRequests(given, Defaults.CPU_REQUEST, maxMemory);
    }
    // Redis needs room beyond maxmemory for buffers and fragmentation: limit at twice the data.
    Quantity data = new Quantity(maxMemory);
    Quantity limit =
        new Quantity(
            new BigDecimal(data.getAmount()).multiply(BigDecimal.TWO).toPlainString(),
            data.getFormat());
    ResourceRequirements r = new ResourceRequirements();
    r.setRequests(Map.of("cpu", new Quantity(Defaults.CPU_REQUEST), "memory", data));
    r.setLimits(Map.of("memory", limit));
    return r;
  }

  private static ManagedRedis managed(ScalableService s) {
    return s.getSpec().redis.managed == null ? new ManagedRedis() : s.getSpec().redis.managed;
  }

  private static String newPassword() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static Map<String, String> encode(Map<String, String> data) {
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach(
        (k, v) ->
            encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return encoded;
  }
}
