package dev.swell.operator.it;

/**
 * The Kubernetes version the *IT tests run a real kube-apiserver of (built by
 * hack/build-controlplane.sh).
 */
public final class ApiServer {
  public static final String VERSION = "1.33.13";

  private ApiServer() {}
}
