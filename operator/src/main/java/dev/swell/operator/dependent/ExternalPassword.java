package dev.swell.operator.dependent;

import dev.swell.operator.api.ScalableService;
import dev.swell.operator.desired.AppEnvironment;
import dev.swell.operator.desired.Components;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/** Whether the external Redis' password Secret lets Swell hand it to the app's pods. */
final class ExternalPassword {

  private ExternalPassword() {}

  static boolean allowed(ScalableService s, Context<ScalableService> context) {
    if (!Components.usesRedis(s) || Components.managedRedis(s)) {
      return true; // no external Secret: nothing to ask
    }
    SecretKeySelector ref = s.getSpec().redis.external.passwordSecretRef;
    if (ref == null) {
      return true;
    }
    if (AppEnvironment.missingField(ref) != null) {
      return false; // no Secret to name: RedisReady says which field is missing
    }
    return AppEnvironment.allowsSwell(
        context
            .getClient()
            .secrets()
            .inNamespace(s.getMetadata().getNamespace())
            .withName(ref.getName())
            .get());
  }
}
