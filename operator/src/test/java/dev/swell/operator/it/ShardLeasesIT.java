package dev.swell.operator.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.swell.operator.sharding.ShardLeases;
import io.fabric8.kubeapitest.junit.EnableKubeAPIServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replicas sharing the services through shard Leases on a real kube-apiserver: never two holders of
 * a shard at any instant (sampled every 10 ms, and each shard's loss recorded before another
 * replica's gain), a second replica gets its share, a replica cut off from the API server stops
 * before its shards pass on, and one that stops gives its shards back at once.
 */
@EnableKubeAPIServer(kubeAPIVersion = ApiServer.VERSION)
class ShardLeasesIT {

  static KubernetesClient client;
  static final String NS = "swell-system";
  static final int SHARDS = 8;

  /** Short times, so that expiry happens within the test: lease 3 s, renew 2 s, retry 0.3 s. */
  static final ShardLeases.Timing FAST =
      new ShardLeases.Timing(Duration.ofSeconds(3), Duration.ofSeconds(2), Duration.ofMillis(300));

  final List<ShardLeases> started = new ArrayList<>();
  final List<KubernetesClient> clients = new ArrayList<>();

  /** Every gain and loss of a shard, in the order they happened. */
  final List<String> history = new ArrayList<>();

  @BeforeAll
  static void namespace() {
    client
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
  }

  @AfterEach
  void stop() {
    started.forEach(ShardLeases::close);
    clients.forEach(KubernetesClient::close);
    client.leases().inNamespace(NS).delete();
  }

  ShardLeases replica(String identity, String set, ShardLeases.Timing timing, KubernetesClient c) {
    ShardLeases leases =
        new ShardLeases(
            c,
            NS,
            set,
            SHARDS,
            identity,
            timing,
            Clock.systemUTC(),
            new ShardLeases.Listener() {
              @Override
              public void acquired(int shard) {
                record("+" + shard + " " + identity);
              }

              @Override
              public void lost(int shard) {
                record("-" + shard + " " + identity);
              }
            });
    started.add(leases);
    return leases.start();
  }

  /** A client of the test's API server that runs {@code before} ahead of each request. */
  KubernetesClient intercepted(Consumer<HttpRequest> before) {
    KubernetesClient c =
        new KubernetesClientBuilder()
            .withConfig(client.getConfiguration())
            .withHttpClientBuilderConsumer(
                b ->
                    b.addOrReplaceInterceptor(
                        "test",
                        new Interceptor() {
                          @Override
                          public void before(
                              BasicBuilder builder, HttpRequest request, RequestTags tags) {
                            before.accept(request);
                          }
                        }))
            .build();
    clients.add(c);
    return c;
  }

  synchronized void record(String change) {
    history.add(change);
  }

  /**
   * In the recorded history, a shard is never gained by one replica while another still has it:
   * each gain follows the previous holder's loss.
   */
  synchronized void assertOneHolderAtATime() {
    Map<Integer, String> holder = new ConcurrentHashMap<>();
    for (String change : history) {
      int shard = Integer.parseInt(change.substring(1, change.indexOf(' ')));
      String who = change.substring(change.indexOf(' ') + 1);
      if (change.startsWith("+")) {
        assertThat(holder.get(shard))
            .as("holder of shard %d when %s took it; history %s", shard, who, history)
            .isNull();
        holder.put(shard, who);
      } else {
        holder.remove(shard, who);
      }
    }
  }

  /** Samples both replicas every 10 ms while the test runs: no shard held by both at once. */
  Thread sampler(ShardLeases a, ShardLeases b, AtomicBoolean running, List<String> overlaps) {
    return Thread.ofPlatform()
        .start(
            () -> {
              while (running.get()) {
                for (int s = 0; s < SHARDS; s++) {
                  if (a.holds(s) && b.holds(s)) {
                    synchronized (overlaps) {
                      overlaps.add("shard " + s);
                    }
                  }
                }
                try {
                  Thread.sleep(10);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
  }

  @Test
  void aSecondReplicaGetsItsShareAndNoShardHasTwoHolders() throws Exception {
    ShardLeases a = replica("a", "share", FAST, client);
    await().atMost(Duration.ofSeconds(20)).until(() -> a.shards().size() == SHARDS);
    AtomicBoolean running = new AtomicBoolean(true);
    List<String> overlaps = new ArrayList<>();
    ShardLeases b = replica("b", "share", FAST, client);
    Thread sampling = sampler(a, b, running, overlaps);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(a.shards()).hasSize(SHARDS / 2);
              assertThat(b.shards()).hasSize(SHARDS / 2);
            });
    running.set(false);
    sampling.join();
    assertThat(overlaps).as("shards held by both replicas at once").isEmpty();
    assertOneHolderAtATime();
    assertThat(
            client
                .leases()
                .inNamespace(NS)
                .withName("share-shard-0")
                .get()
                .getSpec()
                .getHolderIdentity())
        .isIn("a", "b");
  }

  @Test
  void aReplicaCutOffFromTheApiServerStopsBeforeItsShardsPassOn() throws Exception {
    AtomicBoolean cut = new AtomicBoolean();
    KubernetesClient partitioned =
        intercepted(
            request -> {
              if (cut.get()) {
                throw new IllegalStateException("cut off from the API server");
              }
            });
    ShardLeases a = replica("a", "cut", FAST, partitioned);
    await().atMost(Duration.ofSeconds(20)).until(() -> a.shards().size() == SHARDS);
    ShardLeases b = replica("b", "cut", FAST, client);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> a.shards().size() == SHARDS / 2 && b.shards().size() == SHARDS / 2);
    AtomicBoolean running = new AtomicBoolean(true);
    List<String> overlaps = new ArrayList<>();
    Thread sampling = sampler(a, b, running, overlaps);
    cut.set(true);
    await().atMost(Duration.ofSeconds(30)).until(() -> b.shards().size() == SHARDS);
    assertThat(a.shards()).as("the cut-off replica's shards").isEmpty();
    running.set(false);
    sampling.join();
    assertThat(overlaps).as("shards held by both replicas at once").isEmpty();
    assertOneHolderAtATime();
    await("the member Lease of the replica gone, removed by the other after 4 lease durations")
        .atMost(Duration.ofSeconds(40))
        .until(() -> client.leases().inNamespace(NS).withName("cut-member-a").get() == null);
  }

  /** A client whose Lease requests that {@code slow} picks take 400 ms each. */
  KubernetesClient slowLeases(Predicate<HttpRequest> slow) {
    return intercepted(
        request -> {
          if (request.uri().getPath().contains("/leases") && slow.test(request)) {
            try {
              Thread.sleep(400);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
  }

  /** What the replicas gained and lost so far. */
  synchronized List<String> changes() {
    return List.copyOf(history);
  }

  @Test
  void aSlowApiServerDoesNotCostALiveReplicaItsShards() throws Exception {
    // every Lease update takes 400 ms: renewed one after the other, 8 shards would take 3.2 s a
    // round, past the 2 s renew deadline; renewed together, one round takes about 0.8 s
    AtomicBoolean slow = new AtomicBoolean();
    ShardLeases a =
        replica("a", "slow", FAST, slowLeases(r -> slow.get() && r.method().equals("PUT")));
    await().atMost(Duration.ofSeconds(20)).until(() -> a.shards().size() == SHARDS);
    slow.set(true);
    Thread.sleep(8_000);
    assertThat(changes())
        .as("shards lost by the only replica, alive and renewing")
        .noneMatch(change -> change.startsWith("-"));
    assertThat(a.shards()).hasSize(SHARDS);
  }

  @Test
  void aReplicaTakingShardsOnASlowApiServerKeepsTheOnesItHolds() throws Exception {
    // every Lease request takes 400 ms from the start: taken one after the other, in a round that
    // renews nothing meanwhile, the first of 8 shards passed the 2 s renew deadline before the
    // last was taken (3 replicas converging 1,000 services dropped and took theirs over and over)
    ShardLeases a = replica("a", "taking", FAST, slowLeases(r -> true));
    await().atMost(Duration.ofSeconds(20)).until(() -> a.shards().size() == SHARDS);
    Thread.sleep(5_000);
    assertThat(changes())
        .as("shards lost by a replica alive and renewing")
        .noneMatch(change -> change.startsWith("-"));
    assertThat(a.shards()).hasSize(SHARDS);
  }

  @Test
  void aReplicaThatStopsGivesItsShardsBackAtOnce() throws Exception {
    // a long lease: the shards can only pass on within the wait below if they are given back
    ShardLeases.Timing slow =
        new ShardLeases.Timing(
            Duration.ofSeconds(60), Duration.ofSeconds(40), Duration.ofMillis(300));
    ShardLeases a = replica("a", "stop", slow, client);
    await().atMost(Duration.ofSeconds(20)).until(() -> a.shards().size() == SHARDS);
    ShardLeases b = replica("b", "stop", slow, client);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> a.shards().size() == SHARDS / 2 && b.shards().size() == SHARDS / 2);
    a.close();
    await().atMost(Duration.ofSeconds(20)).until(() -> b.shards().size() == SHARDS);
    assertThat(client.leases().inNamespace(NS).withName("stop-member-a").get())
        .as("the stopped replica's member Lease")
        .isNull();
    assertOneHolderAtATime();
  }
}
