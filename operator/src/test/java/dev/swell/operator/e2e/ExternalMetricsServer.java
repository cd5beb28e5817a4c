package dev.swell.operator.e2e;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A minimal external metrics API (external.metrics.k8s.io/v1beta1) for the HPA controller to read:
 * one value per namespace, set by the test, and a record of every read with the time it came and
 * the value it got. Served over TLS on loopback with a throwaway self-signed certificate; the
 * aggregator reaches it as it reaches metrics-server (an ExternalName Service "localhost").
 */
final class ExternalMetricsServer implements AutoCloseable {

  static final String GROUP_VERSION = "external.metrics.k8s.io/v1beta1";

  /** One read by the HPA controller: when, and the value served. */
  record Read(Instant time, long value) {}

  private final Map<String, Long> values = new ConcurrentHashMap<>();
  private final Map<String, List<Read>> reads = new ConcurrentHashMap<>();
  private final HttpsServer server;

  ExternalMetricsServer() throws Exception {
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setHttpsConfigurator(new HttpsConfigurator(selfSigned()));
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  void set(String namespace, long value) {
    values.put(namespace, value);
  }

  /** The reads of a namespace's metric so far, in order. */
  List<Read> reads(String namespace) {
    List<Read> list = reads.getOrDefault(namespace, List.of());
    synchronized (list) {
      return List.copyOf(list);
    }
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String prefix = "/apis/" + GROUP_VERSION;
    String body;
    int status = 200;
    if (path.equals(prefix) || path.equals(prefix + "/")) {
      body =
          """
          {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"%s","resources":[
          {"name":"*","singularName":"","namespaced":true,"kind":"ExternalMetricValueList","verbs":["get"]}]}
          """
              .formatted(GROUP_VERSION);
    } else if (path.startsWith(prefix + "/namespaces/")) {
      String[] parts = path.substring((prefix + "/namespaces/").length()).split("/");
      Long value = values.get(parts[0]);
      if (parts.length != 2 || value == null) {
        status = 404;
        body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":404}";
      } else {
        Instant now = Instant.now();
        List<Read> list = reads.computeIfAbsent(parts[0], k -> new ArrayList<>());
        synchronized (list) {
          list.add(new Read(now, value));
        }
        body =
            """
            {"kind":"ExternalMetricValueList","apiVersion":"%s","metadata":{},"items":[
            {"metricName":"%s","metricLabels":{},"timestamp":"%s","value":"%d"}]}
            """
                .formatted(GROUP_VERSION, parts[1], now, value);
      }
    } else {
      status = 404;
      body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":404}";
    }
    try (InputStream ignored = exchange.getRequestBody()) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
    } finally {
      exchange.close();
    }
  }

  /** A key pair and certificate for 127.0.0.1 and localhost, made by the JDK's keytool. */
  private static SSLContext selfSigned() throws Exception {
    Path dir = Files.createTempDirectory("swell-external-metrics");
    Path store = dir.resolve("server.p12");
    char[] password = "changeit".toCharArray();
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "server",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                new String(password))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, password);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, password);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), null, null);
    Files.delete(store);
    Files.delete(dir);
    return ssl;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
