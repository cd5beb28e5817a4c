package dev.swell.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which external Redis hosts the operator connects to under ALLOWED_REDIS_HOSTS. */
class RedisAccessTest {

  @ParameterizedTest(name = "{0} with [{1}]: {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "redis://cache.prod.svc:6379/0 | '' | true",
        "redis://cache.prod.svc:6379/0 | cache.prod.svc | true",
        "redis://CACHE.prod.svc:6379/0 | cache.prod.svc | true",
        "redis://cache.prod.svc:6379/0 | *.prod.svc | true",
        "rediss://user@cache.prod.svc:6380 | *.prod.svc | true",
        "redis://cache.prod.svc.evil.example:6379 | *.prod.svc | false",
        "redis://169.254.169.254:80 | *.prod.svc,cache.prod.svc | false",
        "redis://prod.svc:6379 | *.prod.svc | false",
      })
  void onlyListedHostsAreReachedWhenAListIsSet(String url, String patterns, boolean allowed) {
    Set<String> set = patterns.isBlank() ? Set.of() : Set.of(patterns.split(","));
    assertThat(RedisAccess.hostAllowed(url, set)).isEqualTo(allowed);
  }
}
