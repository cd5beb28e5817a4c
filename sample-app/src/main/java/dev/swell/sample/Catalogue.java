package dev.swell.sample;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The slow source of truth the cache protects, standing in for a database: products 1 to 1000. */
public final class Catalogue {

  public record Product(long id, String name, long priceCents) {}

  private final Map<Long, Product> products = new ConcurrentHashMap<>();
  private final int delayMillis;
  private final AtomicLong reads = new AtomicLong();

  public Catalogue(int delayMillis) {
    this.delayMillis = delayMillis;
    for (long id = 1; id <= 1000; id++) {
      products.put(id, new Product(id, "Product " + id, 100 * id));
    }
  }

  public Optional<Product> read(long id) {
    reads.incrementAndGet();
    if (delayMillis > 0) {
      try {
        Thread.sleep(delayMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return Optional.ofNullable(products.get(id));
  }

  public Product write(Product p) {
    products.put(p.id(), p);
    return p;
  }

  /** How often the source was read: what the cache saves. */
  public long reads() {
    return reads.get();
  }
}
