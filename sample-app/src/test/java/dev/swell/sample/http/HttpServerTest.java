package dev.swell.sample.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/1.1 rules the server keeps itself, seen on the wire: keep-alive and close, HTTP/1.0,
 * HEAD, Expect: 100-continue, bodies over the limit, and answers in request order.
 */
class HttpServerTest {

  static final int MAX_BODY = 64;
  HttpServer server;

  @BeforeEach
  void start() {
    server =
        HttpServer.start(
            "test",
            0,
            MAX_BODY,
            req ->
                switch (req.path()) {
                  case "/slow" ->
                      Reply.later(
                          () -> {
                            try {
                              Thread.sleep(200);
                            } catch (InterruptedException e) {
                              Thread.currentThread().interrupt();
                            }
                            return Response.text(200, "slow");
                          });
                  case "/echo" ->
                      Response.text(200, "echo:" + new String(req.body(), StandardCharsets.UTF_8))
                          .with(List.of(Response.Header.of("X-Seen", "yes")));
                  default -> Response.text(200, "ok");
                });
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** What the server sends before it closes the connection; fails if it keeps it open for 3 s. */
  String untilClosed(String... parts) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(3000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      for (String part : parts) {
        out.write(part.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        if (part.endsWith("\r\n\r\n") && part.contains("Expect:")) {
          readUntil(in, got, "\r\n\r\n"); // the interim answer, before the body is sent
        }
      }
      try {
        in.transferTo(got);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("connection still open; got so far:\n" + got, e);
      }
      return got.toString(StandardCharsets.US_ASCII);
    }
  }

  /** What arrives within 1 s, with the connection left open. */
  String within1s(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(1000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = s.getInputStream().read(buf)) > 0; ) {
          got.write(buf, 0, n);
        }
        throw new AssertionError("the server closed a keep-alive connection; got:\n" + got);
      } catch (SocketTimeoutException stillOpen) {
        return got.toString(StandardCharsets.US_ASCII);
      }
    }
  }

  static void readUntil(InputStream in, ByteArrayOutputStream got, String marker) throws Exception {
    while (!got.toString(StandardCharsets.US_ASCII).contains(marker)) {
      int b = in.read();
      if (b < 0) {
        throw new AssertionError("closed before " + marker.strip() + "; got:\n" + got);
      }
      got.write(b);
    }
  }

  static int count(String haystack, String needle) {
    int n = 0;
    for (int i = haystack.indexOf(needle); i >= 0; i = haystack.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void aClientStillSendingARefusedBodyReadsTheRefusalNotAReset() throws Exception {
    for (int round = 0; round < 20; round++) {
      try (Socket s = new Socket("127.0.0.1", server.port())) {
        s.setSoTimeout(5000);
        OutputStream out = s.getOutputStream();
        // a client that sends its whole body before it reads, as java.net.http does: the server
        // refuses it at the limit while megabytes are still arriving
        Thread writer =
            Thread.ofVirtual()
                .start(
                    () -> {
                      String chunk = "400\r\n" + "y".repeat(1024) + "\r\n";
                      byte[] bytes = chunk.getBytes(StandardCharsets.US_ASCII);
                      try {
                        out.write(
                            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                                .getBytes(StandardCharsets.US_ASCII));
                        for (int i = 0; i < 2048; i++) {
                          out.write(bytes);
                        }
                        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                      } catch (IOException e) {
                        // the server stopped reading: what matters is what the client can read
                      }
                    });
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
          s.getInputStream().transferTo(got);
        } catch (IOException e) {
          throw new AssertionError("round " + round + ": " + e + "; read so far: " + got, e);
        }
        writer.join();
        assertThat(got.toString(StandardCharsets.US_ASCII))
            .as("round %d", round)
            .startsWith("HTTP/1.1 413 ");
      }
    }
  }

  @Test
  void http11KeepsTheConnectionOpenUntilTheClientSaysClose() throws Exception {
    String open = within1s("GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n");
    assertThat(count(open, "HTTP/1.1 200 OK\r\n")).isEqualTo(2);
    assertThat(open).doesNotContainIgnoringCase("connection:");
    String closed = untilClosed("GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assertThat(closed)
        .startsWith("HTTP/1.1 200 OK\r\n")
        .containsIgnoringCase("connection: close\r\n")
        .containsIgnoringCase("content-length: 2\r\n")
        .endsWith("\r\n\r\nok");
  }

  @Test
  void http10ClosesUnlessAskedToKeepAlive() throws Exception {
    assertThat(untilClosed("GET /a HTTP/1.0\r\n\r\n"))
        .containsIgnoringCase("connection: close\r\n")
        .endsWith("ok");
    String kept = within1s("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assertThat(kept).containsIgnoringCase("connection: keep-alive\r\n").endsWith("ok");
  }

  @Test
  void headGetsTheHeadersOfGetAndNoBody() throws Exception {
    String got = untilClosed("HEAD /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assertThat(got)
        .startsWith("HTTP/1.1 200 OK\r\n")
        .containsIgnoringCase("content-length: 2\r\n")
        .endsWith("\r\n\r\n");
  }

  @Test
  void aBodyIsReadWholeAfter100Continue() throws Exception {
    String got =
        untilClosed(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                + "Connection: close\r\n\r\n",
            "hello");
    assertThat(got)
        .startsWith("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n")
        .contains("X-Seen: yes\r\n")
        .endsWith("echo:hello");
    String chunked =
        untilClosed(
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    assertThat(chunked).endsWith("echo:abcde");
  }

  @Test
  void aBodyOverTheLimitIs413AndTheNextRequestOnTheConnectionIsStillServed() throws Exception {
    String big = "x".repeat(MAX_BODY + 1);
    String got =
        within1s(
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: "
                + big.length()
                + "\r\n\r\n"
                + big
                + "GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
    assertThat(got)
        .startsWith("HTTP/1.1 413 Request Entity Too Large\r\n")
        .contains("{\"error\":\"body larger than " + MAX_BODY + " bytes\"}")
        .endsWith("\r\n\r\nok");
    // nothing follows a 413 for a client waiting to continue, nor a chunked body already half read
    assertThat(
            untilClosed(
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n"))
        .startsWith("HTTP/1.1 413 ")
        .doesNotContain("100 Continue")
        .containsIgnoringCase("connection: close");
    assertThat(
            untilClosed(
                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "40\r\n"
                    + big.substring(1)
                    + "\r\n40\r\n"
                    + big.substring(1)
                    + "\r\n"))
        .startsWith("HTTP/1.1 413 ");
  }

  @Test
  void refusalsAndInterimAnswersWaitTheirTurnBehindASlowRequest() throws Exception {
    String got =
        untilClosed(
            "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 999\r\n\r\n"
                + "y".repeat(999)
                + "GET /a HTTP/1.1\r\nHost: t\r\nExpect: teapot\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi"
                + "GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assertThat(got.indexOf("slow")).isPositive();
    assertThat(got.indexOf("\r\nslow")).isLessThan(got.indexOf("HTTP/1.1 413"));
    assertThat(got.indexOf("HTTP/1.1 413")).isLessThan(got.indexOf("HTTP/1.1 417"));
    assertThat(got.indexOf("HTTP/1.1 417")).isLessThan(got.indexOf("HTTP/1.1 100 Continue"));
    assertThat(got.indexOf("HTTP/1.1 100 Continue")).isLessThan(got.indexOf("echo:hi"));
    assertThat(got.indexOf("echo:hi")).isLessThan(got.lastIndexOf("HTTP/1.1 200"));
    assertThat(got).endsWith("ok");
  }

  @Test
  void aConnectionThatStartsNoRequestForTheIdleTimeIsClosedAndABusyOneIsNot() throws Exception {
    try (HttpServer quick =
        HttpServer.start(
            "idle", 0, MAX_BODY, Duration.ofMillis(400), req -> Response.text(200, "ok"))) {
      try (Socket busy = new Socket("127.0.0.1", quick.port());
          Socket idle = new Socket("127.0.0.1", quick.port())) {
        busy.setSoTimeout(2000);
        idle.setSoTimeout(2000);
        long started = System.nanoTime();
        for (int i = 0; i < 8; i++) { // 1.2 s of a request every 150 ms
          busy.getOutputStream()
              .write("GET /a HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          ByteArrayOutputStream got = new ByteArrayOutputStream();
          readUntil(busy.getInputStream(), got, "\r\n\r\nok");
          Thread.sleep(150);
        }
        assertThat(idle.getInputStream().read()).as("the idle connection is closed").isEqualTo(-1);
        assertThat(System.nanoTime() - started)
            .as("closed after the idle time, not at once")
            .isGreaterThan(Duration.ofMillis(400).toNanos());
      }
    }
  }

  @Test
  void aRequestLineOverTheLimitIsA400SayingSo() throws Exception {
    String got = untilClosed("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: t\r\n\r\n");
    assertThat(got)
        .startsWith("HTTP/1.1 400 ")
        .contains("too long")
        .containsIgnoringCase("connection: close");
  }
}
