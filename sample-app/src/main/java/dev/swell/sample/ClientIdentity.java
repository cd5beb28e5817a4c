package dev.swell.sample;

import dev.swell.sample.http.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who a request comes from, for its rate limit: an identity the server trusts, never one the client
 * picks. With {@code API_KEYS} set, a known {@code X-API-Key} names its client and an unknown one
 * is refused; otherwise the header is ignored. The address is the connection's peer, or, when the
 * peer is one of {@code TRUSTED_PROXIES} (an Ingress controller), the nearest address in {@code
 * X-Forwarded-For} that is not a trusted proxy.
 */
final class ClientIdentity {

  static final String API_KEY = "X-API-Key";
  static final String FORWARDED_FOR = "X-Forwarded-For";

  /** The request named a key that is not configured. */
  static final String UNKNOWN_KEY = null;

  private final Map<String, String> clientByKey;
  private final List<int[]> proxies = new ArrayList<>(); // {address, mask} of IPv4 ranges
  private final List<String> proxyNames = new ArrayList<>(); // other addresses, exactly

  ClientIdentity(String apiKeys, String trustedProxies) {
    clientByKey = parseKeys(apiKeys);
    for (String p : split(trustedProxies)) {
      int[] range = ipv4Range(p);
      if (range != null) {
        proxies.add(range);
      } else {
        proxyNames.add(p);
      }
    }
  }

  /** The client's identity, or {@link #UNKNOWN_KEY} (null) for a key that is not configured. */
  String of(Request req) {
    String key = req.header(API_KEY);
    if (key != null && !clientByKey.isEmpty()) {
      String client = clientByKey.get(key);
      return client == null ? UNKNOWN_KEY : "key:" + client;
    }
    if (proxies.isEmpty() && proxyNames.isEmpty()) {
      return "ip:" + req.remoteHost(); // the hot path: no header to read
    }
    return "ip:" + address(req.remoteHost(), req.header(FORWARDED_FOR));
  }

  String address(String peer, String forwardedFor) {
    if (forwardedFor == null || !trusted(peer)) {
      return peer;
    }
    String[] hops = forwardedFor.split(",");
    String nearest = peer;
    for (int i = hops.length - 1; i >= 0; i--) {
      nearest = hops[i].trim();
      if (nearest.isEmpty() || !trusted(nearest)) {
        break;
      }
    }
    return nearest.isEmpty() ? peer : nearest;
  }

  boolean trusted(String address) {
    if (proxyNames.contains(address)) {
      return true;
    }
    int[] ip = ipv4Range(address + "/32");
    if (ip == null) {
      return false;
    }
    for (int[] range : proxies) {
      if ((ip[0] & range[1]) == range[0]) {
        return true;
      }
    }
    return false;
  }

  private static Map<String, String> parseKeys(String value) {
    Map<String, String> keys = new HashMap<>();
    for (String entry : split(value)) {
      int colon = entry.indexOf(':');
      if (colon <= 0 || colon == entry.length() - 1) {
        throw new Config.Invalid(
            "API_KEYS must be client:key pairs separated by commas, got \"" + entry + "\"");
      }
      keys.put(entry.substring(colon + 1), entry.substring(0, colon));
    }
    return keys;
  }

  private static List<String> split(String value) {
    List<String> parts = new ArrayList<>();
    if (value != null) {
      for (String p : value.split(",")) {
        if (!p.isBlank()) {
          parts.add(p.trim());
        }
      }
    }
    return parts;
  }

  /** {network, mask} of "a.b.c.d" or "a.b.c.d/n", or null when it is not IPv4. */
  private static int[] ipv4Range(String cidr) {
    String[] parts = cidr.split("/", 2);
    String[] octets = parts[0].split("\\.");
    if (octets.length != 4) {
      return null;
    }
    int ip = 0;
    try {
      for (String o : octets) {
        int v = Integer.parseInt(o);
        if (v < 0 || v > 255) {
          return null;
        }
        ip = ip << 8 | v;
      }
      int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : 32;
      if (bits < 0 || bits > 32) {
        return null;
      }
      int mask = bits == 0 ? 0 : -1 << (32 - bits);
      return new int[] {ip & mask, mask};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
