package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The managed Redis' PersistentVolumeClaim. */
@ValidationRule(
    value =
        "has(self.storageClassName) == has(oldSelf.storageClassName)"
            + " && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)",
    message = "spec.redis.managed.storage.storageClassName cannot change once the claim exists",
    fieldPath = ".storageClassName")
public class RedisStorage {

  @Required
  @Pattern("^[0-9]+(Mi|Gi|Ti)$")
  @ValidationRule(
      value = "quantity(self).compareTo(quantity(oldSelf)) >= 0",
      message = "spec.redis.managed.storage.size may grow but not shrink")
  @JsonPropertyDescription(
      "Size of the claim, e.g. 1Gi (at least the append-only file: about maxMemory, twice while"
          + " Redis rewrites it). It may grow, if the storage class allows expansion; never shrink.")
  public String size;

  @Size(min = 1)
  @JsonPropertyDescription(
      "Storage class of the claim; default: the cluster's default class. Fixed once set.")
  public String storageClassName;
}
