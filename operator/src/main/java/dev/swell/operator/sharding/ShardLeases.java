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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
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
 * <p>Renewals run on a thread of their own, every shard's and the member Lease's at once, from the
 * Lease each last wrote: a round that lists the set, takes shards and reconciles them waits for the
 * API server many times, and on a busy one outlasted the renew deadline of the shards already held
 * (3 replicas converging 1,000 services dropped and took them back over and over).
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

  /** The Lease of each shard held as this replica last wrote it: what the next renewal updates. */
  private final Map<Integer, Lease> written = new ConcurrentHashMap<>();

  /** The member Lease as last written, or null to read it again. */
  private volatile Lease member;

  private final Map<String, Seen> seen = new HashMap<>();

  /** How often the watchdog looks for shards not renewed in time. */
  static final Duration WATCHDOG_PERIOD = Duration.ofMillis(200);

  private volatile boolean running;
  private Thread thread;
  private Thread renewals;
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
    renewals = loop("shard-renewals", timing.retryPeriod(), this::renewAll);
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

  /**
   * One round: list the set, drop what another replica holds now, then give back or take shards to
   * reach the fair share.
   */
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
    for (int shard : List.copyOf(held.keySet())) {
      Lease lease = leases.get(shardName(shard));
      if (!mine(lease)) {
        log.warn("shard {} is held by {} now", shard, holder(lease));
        drop(shard);
      }
    }
    int share = (count + members - 1) / members;
    // beyond the share: give back the highest first (the listener stops their writes first)
    while (held.size() > share) {
      int shard = held.keySet().stream().max(Integer::compare).orElseThrow();
      release(shard, written.get(shard));
    }
    // below it: take free or expired shards, starting at an offset of our own so that replicas
    // starting together try different ones first; all at once, as the renewals
    int offset = Math.floorMod(identity.hashCode(), count);
    List<Integer> wanted = new ArrayList<>();
    for (int i = 0; i < count && held.size() + wanted.size() < share; i++) {
      int shard = (offset + i) % count;
      if (held.containsKey(shard)) {
        continue;
      }
      Lease lease = leases.get(shardName(shard));
      if (lease == null || free(lease) || mine(lease) || expired(lease, now)) {
        wanted.add(shard);
      }
    }
    eachAtOnce(wanted, shard -> acquire(shard, leases.get(shardName(shard))));
  }

  /** Renews every shard held and the member Lease, at once. */
  void renewAll() {
    List<Runnable> renewals = new ArrayList<>();
    renewals.add(this::renewMember);
    for (int shard : List.copyOf(held.keySet())) {
      renewals.add(() -> renew(shard));
    }
    eachAtOnce(renewals, Runnable::run);
  }

  /** Runs {@code body} for each item, each on a virtual thread; returns when all have. */
  private static <T> void eachAtOnce(List<T> items, Consumer<T> body) {
    try (ExecutorService each = Executors.newVirtualThreadPerTaskExecutor()) {
      for (T item : items) {
        each.execute(
            () -> {
              try {
                body.accept(item);
              } catch (RuntimeException e) {
                log.warn("shard leases: {}", e.getMessage());
              }
            });
      }
    }
  }

  private static String holder(Lease lease) {
    return lease == null || lease.getSpec() == null
        ? "nobody"
        : lease.getSpec().getHolderIdentity();
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
    Lease taken;
    try {
      if (lease == null) {
        taken =
            client
                .leases()
                .inNamespace(namespace)
                .resource(lease(shardName(shard), before))
                .create();
      } else {
        Lease update =
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
        taken = client.leases().inNamespace(namespace).resource(update).update();
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return; // another replica was first
      }
      throw e;
    }
    written.put(shard, taken);
    held.put(shard, before);
    log.info("took shard {} of {}", shard, count);
    listener.acquired(shard);
  }

  /** Renews a held shard from the Lease this replica last wrote (a 409: someone else wrote it). */
  private void renew(int shard) {
    Lease lease = written.get(shard);
    if (lease == null) {
      return; // released meanwhile
    }
    Instant before = clock.instant();
    try {
      Lease renewed =
          client
              .leases()
              .inNamespace(namespace)
              .resource(
                  new LeaseBuilder(lease).editSpec().withRenewTime(micro(before)).endSpec().build())
              .update();
      // only if it was neither dropped nor taken again meanwhile: a dropped shard is taken again,
      // with its reconciles
      if (written.replace(shard, lease, renewed)) {
        held.computeIfPresent(shard, (k, v) -> before);
      }
      Duration took = Duration.between(before, clock.instant());
      if (took.compareTo(timing.renewDeadline().dividedBy(2)) > 0) {
        log.warn(
            "renewing shard {} took {} ms of the {} s renew deadline: the API server is slow",
            shard,
            took.toMillis(),
            timing.renewDeadline().toSeconds());
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        log.warn("renewing shard {}: {}", shard, e.getMessage());
      } else if (written.get(shard) == lease) {
        log.warn("shard {} was changed by another replica", shard);
        drop(shard); // not ours to trust
      } // else a renewal late enough that this replica dropped and took the shard again meanwhile
    }
  }

  /**
   * Stops the shard's writes, then gives its Lease back so that another replica takes it at once
   * (read again if a renewal in flight changed it; it expires anyway if this fails).
   */
  private void release(int shard, Lease lease) {
    drop(shard);
    Lease current = lease;
    for (int attempt = 0; attempt < 2 && mine(current); attempt++) {
      try {
        client
            .leases()
            .inNamespace(namespace)
            .resource(
                new LeaseBuilder(current).editSpec().withHolderIdentity(null).endSpec().build())
            .update();
        log.info("gave back shard {} of {}", shard, count);
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt > 0) {
          log.info("giving back shard {}: {}", shard, e.getMessage());
          return;
        }
        current = client.leases().inNamespace(namespace).withName(shardName(shard)).get();
      }
    }
  }

  /** Forgets the shard (no service of it is owned from here on), then stops its writes. */
  private void drop(int shard) {
    if (held.remove(shard) != null) {
      listener.lost(shard);
    }
    written.remove(shard);
  }

  /** Creates this replica's member Lease, or renews it as last written (read again after a 409). */
  private void renewMember() {
    Instant now = clock.instant();
    try {
      Lease last = member;
      if (last == null) {
        last = client.leases().inNamespace(namespace).withName(memberName()).get();
      }
      member =
          last == null
              ? client.leases().inNamespace(namespace).resource(lease(memberName(), now)).create()
              : client
                  .leases()
                  .inNamespace(namespace)
                  .resource(
                      new LeaseBuilder(last).editSpec().withRenewTime(micro(now)).endSpec().build())
                  .update();
    } catch (KubernetesClientException e) {
      member = null;
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
    for (Thread t : new Thread[] {thread, renewals, watchdog}) {
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
      try {
        release(shard, written.get(shard));
      } catch (RuntimeException e) {
        log.info("giving back shard {}: {}", shard, e.getMessage());
      }
    }
    try {
      client.leases().inNamespace(namespace).withName(memberName()).delete();
    } catch (RuntimeException e) {
      log.info("removing member lease: {}", e.getMessage());
    }
  }
}
