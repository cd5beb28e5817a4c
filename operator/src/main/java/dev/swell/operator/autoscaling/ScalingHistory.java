package dev.swell.operator.autoscaling;

import java.time.Instant;
import java.util.List;

/**
 * What the scaler remembers between evaluations, kept by the caller and passed back in: the
 * recommendations of the stabilization windows (only those that can still decide one: a few for a
 * steady load, however long the window), the scale events the policies count, when the queue last
 * had work (null: never, for a Deployment no one has scaled yet), and how many reads have failed in
 * a row.
 */
public record ScalingHistory(
    List<Recommendation> recommendations,
    List<ScaleEvent> scaleUps,
    List<ScaleEvent> scaleDowns,
    Instant lastActive,
    int consecutiveFailures) {

  public record Recommendation(Instant time, int replicas) {}

  public record ScaleEvent(Instant time, int change) {}

  /**
   * The HPA's first recommendation for a target it has not seen (recordInitialRecommendation): the
   * count it finds, so the scale-down window holds that count instead of dropping at once.
   */
  public ScalingHistory seeded(Instant now, int current) {
    return new ScalingHistory(
        List.of(new Recommendation(now, current)),
        scaleUps,
        scaleDowns,
        lastActive,
        consecutiveFailures);
  }

  /**
   * The history of a loop that just started: it counts as active now, so the cooldown runs first.
   */
  public static ScalingHistory start(Instant now) {
    return new ScalingHistory(List.of(), List.of(), List.of(), now, 0);
  }

  /**
   * The history of a loop whose Deployment was just created and never scaled: its count is the API
   * server's default, nobody's decision, so there is neither a count to hold nor a cooldown to sit
   * out.
   */
  public static ScalingHistory neverScaled() {
    return new ScalingHistory(List.of(), List.of(), List.of(), null, 0);
  }
}
