package dev.swell.sample.http;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * A request as handlers see it: the method, the path without its query, the headers, the whole body
 * (at most the server's limit) and the client's address.
 */
public record Request(
    String method, String path, HttpHeaders headers, byte[] body, String remoteHost) {

  /** A header's value, or null. */
  public String header(CharSequence name) {
    return headers.get(name);
  }
}
