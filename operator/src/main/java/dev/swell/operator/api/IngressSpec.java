package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** An Ingress in front of the api's Service. */
public class IngressSpec {
  @Required
  @Pattern(Patterns.HOST)
  @JsonPropertyDescription("Host name the Ingress answers, e.g. shop.localtest.me.")
  public String host;

  @Size(min = 1)
  @JsonPropertyDescription("IngressClass, e.g. nginx; default: the cluster's default class.")
  public String className;

  @Pattern("^/.*$")
  @JsonPropertyDescription("Path prefix routed to the api. Default /.")
  public String path;

  @Size(min = 1)
  @JsonPropertyDescription("Secret with the TLS certificate for host; absent: plain HTTP.")
  public String tlsSecretName;
}
