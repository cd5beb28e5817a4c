package dev.swell.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The environment contract as the app reads it. */
class ConfigTest {

  static Config config(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", "redis://localhost:6379"));
    env.putAll(extra);
    return Config.from(env);
  }

  @ParameterizedTest(name = "grace {0} s: drain {1} s")
  @CsvSource({"60, 50", "30, 25", "6, 5", "1, 1", "600, 590"})
  void theWorkerDrainsWithinThePodsGracePeriod(String grace, long drain) {
    assertThat(config(Map.of("GRACE_SECONDS", grace)).drain()).isEqualTo(Duration.ofSeconds(drain));
  }

  @ParameterizedTest
  @CsvSource({"0", "-5", "soon"})
  void aGracePeriodThatCannotBeUsedIsNamed(String grace) {
    assertThatThrownBy(() -> config(Map.of("GRACE_SECONDS", grace)))
        .isInstanceOf(Config.Invalid.class)
        .hasMessageContaining("GRACE_SECONDS");
  }

  @ParameterizedTest
  @CsvSource({"nocolon", "':key'", "'client:'"})
  void malformedApiKeysAreNamed(String keys) {
    assertThatThrownBy(() -> config(Map.of("API_KEYS", keys)))
        .isInstanceOf(Config.Invalid.class)
        .hasMessageContaining("API_KEYS");
  }
}
