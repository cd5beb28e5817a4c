package dev.swell.operator.sharding;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Which ScalableServices this replica of the operator reconciles and scales. One replica leading
 * (the default) owns them all; with shards, a replica owns the services whose shard it holds.
 */
public interface Ownership {

  /** Everything: a single leader (or a single replica). */
  Ownership ALL = (namespace, name) -> true;

  boolean owns(String namespace, String name);

  /** The shard of a service among {@code count}: stable across replicas, restarts and versions. */
  static int shardOf(String namespace, String name, int count) {
    CRC32 crc = new CRC32();
    crc.update((namespace + "/" + name).getBytes(StandardCharsets.UTF_8));
    return (int) (crc.getValue() % count);
  }
}
