package dev.swell.operator.sharding;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's replicas share the ScalableServices: each service belongs to one of {@code count}
 * shards ({@link Ownership#shardOf}), and each shard is held through a Lease of its own ({@code
 * <name>-shard-<k>}), so that one replica at most scales a service. Every replica also renews a
 * member Lease ({@code <name>-member-<identity>}); the live members divide the shards evenly: a
 * replica takes free or expired shards up to its share and gives back what is beyond it (a new
 * replica gets its share within a few retry periods).
 *
 * <p>A shard whose Lease this replica could not renew within the renew deadline counts as lost:
 * {@link Listener#lost} stops every write for its services before another replica can take it (the
 * Lease passes on only after its duration, observed unchanged, as client-go's leader election
 * judges expiry: by the time this process saw the Lease's resourceVersion last change, never by
 * another machine's clock).
 */
public final class ShardLeases implements Ownership, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ShardLeases.class);

  /** Label on every Lease of the set; its value is the set's name. */
  public static final String SET_LABEL = "swell.dev/lease-set";

  /** Lease duration, renew deadline and retry period, as leader election has them. */
  public record Timing(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
    public static final Timing DEFAULT =
        new Timing(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));

    public Timing {
      if (renewDeadline.compareTo(leaseDuration) >= 0) {
        throw new IllegalArgumentException("the renew deadline must be shorter than the lease");
      }
    }
  }

  /** What a replica does when it gains or loses a shard. */
  public interface Listener {
    /** The shard is this replica's: reconcile its services. */
    void acquired(int shard);

    /** The shard is no longer this replica's: return only once none of its services is written. */
    void lost(int shard);
  }

  private record Seen(String resourceVersion, Instant at) {}

  private final KubernetesClient client;
  private final String namespace;
  private final String name;
  private final int count;
  private final String identity;
  private final Timing timing;
  private final Clock clock;
  private final Listener listener;

  /** Shards held, with the time (before the request) of their last successful renewal. */
  private final Map<Integer, Instant> held = new ConcurrentHashMap<>();

  private final Map<String, Seen> seen = new HashMap<>();

  /** How often the watchdog looks for shards not renewed in time. */
  static final Duration WATCHDOG_PERIOD = Duration.ofMillis(200);

  private volatile boolean running;
  private Thread thread;
  private Thread watchdog;

  public ShardLeases(
      KubernetesClient client,
      String namespace,
      String name,
      int count,
      String identity,
      Timing timing,
      Clock clock,
      Listener listener) {
    if (count < 1) {
      throw new IllegalArgumentException("shards must be at least 1, got " + count);
    }
    this.client = client;
    this.namespace = namespace;
    this.name = name;
    this.count = count;
    this.identity = identity;
    this.timing = timing;
    this.clock = clock;
    this.listener = listener;
  }

  @Override
  public boolean owns(String namespace, String name) {
    return holds(Ownership.shardOf(namespace, name, count));
  }

  /** Whether this replica holds the shard: renewed within the renew deadline. */
  public boolean holds(int shard) {
    Instant renewed = held.get(shard);
    return renewed != null
        && Duration.between(renewed, clock.instant()).compareTo(timing.renewDeadline()) < 0;
  }

  /** The shards this replica holds now. */
  public Set<Integer> shards() {
    Set<Integer> now = new TreeSet<>();
    for (int shard : held.keySet()) {
      if (holds(shard)) {
        now.add(shard);
      }
    }
    return now;
  }

  public int count() {
    return count;
  }

  public String identity() {
    return identity;
  }

  public ShardLeases start() {
    running = true;
    thread = loop("shard-leases", timing.retryPeriod(), this::tick);
    // a shard not renewed in time stops its writes at once, even while a request hangs
    watchdog = loop("shard-watchdog", WATCHDOG_PERIOD, this::dropStale);
    return this;
  }

  private Thread loop(String threadName, Duration period, Runnable body) {
    return Thread.ofPlatform()
        .name(threadName)
        .daemon()
        .start(
            () -> {
              while (running) {
                try {
                  body.run();
                } catch (RuntimeException e) {
                  log.warn("{}: {}", threadName, e.getMessage());
                }
                try {
                  Thread.sleep(period);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
  }

  /** Drops every shard not renewed within the renew deadline. */
  void dropStale() {
    for (int shard : List.copyOf(held.keySet())) {
      if (!holds(shard)) {
        log.warn(
            "shard {} not renewed within {}: stopping its services", shard, timing.renewDeadline());
        drop(shard);
      }
    }
  }

  /** One round: drop what went stale, renew, then give back or take to reach the fair share. */
  void tick() {
    Instant now = clock.instant();
    dropStale();
    Map<String, Lease> leases = new HashMap<>();
    for (Lease l :
        client.leases().inNamespace(namespace).withLabel(SET_LABEL, name).list().getItems()) {
      leases.put(l.getMetadata().getName(), l);
      Seen before = seen.get(l.getMetadata().getName());
      String rv = l.getMetadata().getResourceVersion();
      if (before == null || !before.resourceVersion().equals(rv)) {
        seen.put(l.getMetadata().getName(), new Seen(rv, now));
      }
    }
    seen.keySet().retainAll(leases.keySet());
    renewMember(now, leases.get(memberName())); // from the list: one request less per round
    int members = 1; // this replica, whether or not its member Lease was listed yet
    for (Lease l : leases.values()) {
      String lease = l.getMetadata().getName();
      if (!lease.startsWith(name + "-member-") || lease.equals(memberName())) {
        continue;
      }
      if (!expired(l, now)) {
        members++;
      } else if (unchangedFor(l, now).compareTo(timing.leaseDuration().multipliedBy(4)) > 0) {
        forget(l); // a replica long gone (each new pod has a name of its own)
      }
    }
    int share = (count + members - 1) / members;
    // all at once: one after the other, a round waits for each renewal in turn, and on a slow
    // API server a live replica's shards passed their renew deadline (ShardLeasesIT)
    Map<Integer, Lease> renewed = new ConcurrentHashMap<>();
    try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int shard : List.copyOf(held.keySet())) {
        Lease lease = leases.get(shardName(shard));
        each.execute(
            () -> {
              Lease r = renew(shard, lease);
              if (r != null) {
                renewed.put(shard, r);
              }
            });
      }
    }
    // a give-back below needs their new versions
    renewed.forEach((shard, lease) -> leases.put(shardName(shard), lease));
    // beyond the share: give back the highest first (the listener stops their writes first)
    while (held.size() > share) {
      int shard = held.keySet().stream().max(Integer::compare).orElseThrow();
      release(shard, leases.get(shardName(shard)));
    }
    // below it: take free or expired shards, starting at an offset of our own so that replicas
    // starting together try different ones first
    int offset = Math.floorMod(identity.hashCode(), count);
    for (int i = 0; i < count && held.size() < share; i++) {
      int shard = (offset + i) % count;
      if (held.containsKey(shard)) {
        continue;
      }
      Lease lease = leases.get(shardName(shard));
      if (lease == null || free(lease) || mine(lease) || expired(lease, now)) {
        acquire(shard, lease);
      }
    }
  }

  /** Still ours at the API server though dropped here (a renewal came in after the deadline). */
  private boolean mine(Lease l) {
    return l != null && l.getSpec() != null && identity.equals(l.getSpec().getHolderIdentity());
  }

  private boolean free(Lease l) {
    return l.getSpec() == null
        || l.getSpec().getHolderIdentity() == null
        || l.getSpec().getHolderIdentity().isEmpty();
  }

  /** Unchanged for a whole lease duration since this process saw it change. */
  private boolean expired(Lease l, Instant now) {
    return unchangedFor(l, now).compareTo(timing.leaseDuration()) > 0;
  }

  private Duration unchangedFor(Lease l, Instant now) {
    Seen s = seen.get(l.getMetadata().getName());
    return s == null ? Duration.ZERO : Duration.between(s.at(), now);
  }

  /** Deletes the member Lease of a replica that is gone, if no one changed it meanwhile. */
  private void forget(Lease l) {
    try {
      client.leases().inNamespace(namespace).resource(l).lockResourceVersion().delete();
      log.info("removed the member Lease of a replica gone: {}", l.getMetadata().getName());
    } catch (KubernetesClientException e) {
      log.debug("removing {}: {}", l.getMetadata().getName(), e.getMessage());
    }
  }

  private void acquire(int shard, Lease lease) {
    Instant before = clock.instant();
    try {
      if (lease == null) {
        client.leases().inNamespace(namespace).resource(lease(shardName(shard), null)).create();
      } else {
        Lease taken =
            new LeaseBuilder(lease)
                .editSpec()
                .withHolderIdentity(identity)
                .withLeaseDurationSeconds((int) timing.leaseDuration().toSeconds())
                .withAcquireTime(micro(before))
                .withRenewTime(micro(before))
                .withLeaseTransitions(
                    lease.getSpec().getLeaseTransitions() == null
                        ? 1
                        : lease.getSpec().getLeaseTransitions() + 1)
                .endSpec()
                .build();
        client.leases().inNamespace(namespace).resource(taken).update();
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return; // another replica was first
      }
      throw e;
    }
    held.put(shard, before);
    log.info("took shard {} of {}", shard, count);
    listener.acquired(shard);
  }

  /** Renews a held shard; its Lease as renewed, or null when it could not be. */
  private Lease renew(int shard, Lease lease) {
    Instant before = clock.instant();
    if (!mine(lease)) {
      log.warn(
          "shard {} is held by {} now",
          shard,
          lease == null || lease.getSpec() == null
              ? "nobody"
              : lease.getSpec().getHolderIdentity());
      drop(shard);
      return null;
    }
    try {
      Lease renewed =
          client
              .leases()
              .inNamespace(namespace)
              .resource(
                  new LeaseBuilder(lease).editSpec().withRenewTime(micro(before)).endSpec().build())
              .update();
      // only if it was not dropped meanwhile: a dropped shard is taken again, with its reconciles
      held.computeIfPresent(shard, (k, v) -> before);
      return renewed;
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        drop(shard); // changed by someone else since the list: not ours to trust
      } else {
        log.warn("renewing shard {}: {}", shard, e.getMessage());
      }
      return null;
    }
  }

  private void release(int shard, Lease lease) {
    drop(shard);
    if (lease != null
        && lease.getSpec() != null
        && identity.equals(lease.getSpec().getHolderIdentity())) {
      try {
        client
            .leases()
            .inNamespace(namespace)
            .resource(new LeaseBuilder(lease).editSpec().withHolderIdentity(null).endSpec().build())
            .update();
        log.info("gave back shard {} of {}", shard, count);
      } catch (RuntimeException e) {
        log.info("giving back shard {}: {}", shard, e.getMessage()); // it expires anyway
      }
    }
  }

  /** Forgets the shard (no service of it is owned from here on), then stops its writes. */
  private void drop(int shard) {
    if (held.remove(shard) != null) {
      listener.lost(shard);
    }
  }

  /**
   * Creates this replica's member Lease, or renews it as listed (a 409 waits for the next round).
   */
  private void renewMember(Instant now, Lease mine) {
    try {
      if (mine == null) {
        client.leases().inNamespace(namespace).resource(lease(memberName(), now)).create();
      } else {
        client
            .leases()
            .inNamespace(namespace)
            .resource(new LeaseBuilder(mine).editSpec().withRenewTime(micro(now)).endSpec().build())
            .update();
      }
    } catch (KubernetesClientException e) {
      log.warn("renewing member lease: {}", e.getMessage());
    }
  }

  private Lease lease(String leaseName, Instant renewed) {
    Instant at = renewed == null ? clock.instant() : renewed;
    return new LeaseBuilder()
        .withNewMetadata()
        .withName(leaseName)
        .withNamespace(namespace)
        .withLabels(Map.of(SET_LABEL, name))
        .endMetadata()
        .withNewSpec()
        .withHolderIdentity(identity)
        .withLeaseDurationSeconds((int) timing.leaseDuration().toSeconds())
        .withAcquireTime(micro(at))
        .withRenewTime(micro(at))
        .withLeaseTransitions(0)
        .endSpec()
        .build();
  }

  String shardName(int shard) {
    return name + "-shard-" + shard;
  }

  String memberName() {
    return name + "-member-" + identity;
  }

  private static ZonedDateTime micro(Instant t) {
    return ZonedDateTime.ofInstant(t, ZoneOffset.UTC);
  }

  /**
   * Stops taking and renewing, stops the writes of every shard held, then gives them back and
   * removes the member Lease, so the other replicas take them at once.
   */
  @Override
  public void close() {
    running = false;
    for (Thread t : new Thread[] {thread, watchdog}) {
      if (t != null) {
        t.interrupt();
        try {
          t.join(timing.retryPeriod().plusSeconds(5).toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    for (int shard : List.copyOf(held.keySet())) {
      Lease lease = null;
      try {
        lease = client.leases().inNamespace(namespace).withName(shardName(shard)).get();
      } catch (RuntimeException e) {
        log.info("reading shard {} to give it back: {}", shard, e.getMessage());
      }
      release(shard, lease);
    }
    try {
      client.leases().inNamespace(namespace).withName(memberName()).delete();
    } catch (RuntimeException e) {
      log.info("removing member lease: {}", e.getMessage());
    }
  }
}
