package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** An Ingress in front of the api's Service. */
public class IngressSpec {
  @Required
  @Pattern(Patterns.HOST)
  @Size(max = 253)
  @ValidationRule(
      value = "!isIP(self)",
      message = "spec.api.ingress.host must be a DNS name, not an IP address")
  @JsonPropertyDescription("Host name the Ingress answers, e.g. shop.localtest.me.")
  public String host;

  @Pattern(Patterns.DNS_SUBDOMAIN)
  @Size(max = 253)
  @JsonPropertyDescription("IngressClass, e.g. nginx; default: the cluster's default class.")
  public String className;

  @Pattern("^/.*$")
  @Size(max = 1024)
  @ValidationRule(
      value =
          "!['//', '/./', '/../', '%2f', '%2F'].exists(s, self.contains(s))"
              + " && !self.endsWith('/.') && !self.endsWith('/..')",
      message =
          "spec.api.ingress.path must be a clean absolute path: no //, /./, /../ or %2f, and not"
              + " ending in /. or /..")
  @JsonPropertyDescription("Path prefix routed to the api. Default /.")
  public String path;

  @Pattern(Patterns.DNS_SUBDOMAIN)
  @Size(max = 253)
  @JsonPropertyDescription("Secret with the TLS certificate for host; absent: plain HTTP.")
  public String tlsSecretName;
}
