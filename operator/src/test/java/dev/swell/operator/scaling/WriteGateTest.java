package dev.swell.operator.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WriteGateTest {

  @Test
  void atMostSixtyFourWritesAreInFlightAndTheRestWaitTheirTurn() throws Exception {
    int writers = 300;
    CountDownLatch full = new CountDownLatch(WriteGate.PERMITS);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () ->
                      WriteGate.call(
                          () -> {
                            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                            full.countDown();
                            try {
                              // the first 64 hold their slots until all 64 are in: fewer slots
                              // would never open the latch
                              full.await(10, TimeUnit.SECONDS);
                              Thread.sleep(2);
                            } catch (InterruptedException e) {
                              Thread.currentThread().interrupt();
                            }
                            inFlight.decrementAndGet();
                            return done.incrementAndGet();
                          })));
    }
    for (Thread t : threads) {
      t.join();
    }
    assertThat(full.getCount()).as("64 writes were in flight at once").isZero();
    assertThat(most.get()).as("most writes in flight").isEqualTo(WriteGate.PERMITS);
    assertThat(done.get()).as("every write ran").isEqualTo(writers);
    assertThat(WriteGate.inFlight()).isZero();
  }
}
