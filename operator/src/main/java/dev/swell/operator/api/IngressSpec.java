package dev.swell.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

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

  @Size(max = 32)
  @ValidationRule(
      value = "self.all(p, isIP(p) || isCIDR(p) && cidr(p).ip().family() == 4)",
      message =
          "spec.api.ingress.trustedProxies holds IP addresses or IPv4 CIDRs (the Ingress"
              + " controller's pods), e.g. 10.244.0.0/16")
  @JsonPropertyDescription(
      "Addresses or IPv4 CIDRs of the Ingress controller's pods, at most 32, passed to the api as"
          + " TRUSTED_PROXIES: a request from one of them is rate limited by the client named in its"
          + " X-Forwarded-For. Absent: every client that comes through the Ingress arrives from the"
          + " controller's address and shares its token bucket (unless API_KEYS names the"
          + " clients).")
  public List<@Size(max = 45) String> trustedProxies; // the longest text of an IPv6 address
}
