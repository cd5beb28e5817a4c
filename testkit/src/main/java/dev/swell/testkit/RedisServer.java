package dev.swell.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} process on a free loopback port, for tests. It is installed by {@code
 * hack/install-deps.sh}; when it is missing, {@link #start()} fails with that hint rather than
 * letting a test skip. {@link #stop()} and {@link #start()} may be called again to simulate an
 * outage: the server comes back on the same port (its data is gone, as after a crash without
 * persistence).
 *
 * <p>As a static {@code @RegisterExtension} field it starts before the class's tests and stops
 * after them.
 */
public final class RedisServer implements AutoCloseable, BeforeAllCallback, AfterAllCallback {

  private final String password;
  private final int port;
  private final Path dir;
  private final List<String> extraArgs;
  private Process process;

  private RedisServer(String password, List<String> extraArgs) {
    this.password = password;
    this.extraArgs = List.copyOf(extraArgs);
    this.port = freePort();
    try {
      this.dir = Files.createTempDirectory("swell-redis-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A server without a password. */
  public static RedisServer plain() {
    return new RedisServer(null, List.of());
  }

  /**
   * A server without a password, started with these arguments after the kit's own (port, bind, its
   * own data directory): a later argument wins, so {@code --appendonly yes} turns persistence on. A
   * restart ({@link #stop()}, {@link #start()}) keeps the directory.
   */
  public static RedisServer withArgs(List<String> args) {
    return new RedisServer(null, args);
  }

  /** A server that requires {@code AUTH password}. */
  public static RedisServer withPassword(String password) {
    return new RedisServer(password, List.of());
  }

  public RedisServer start() {
    if (process != null && process.isAlive()) {
      return this;
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary(),
                "--port",
                String.valueOf(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                dir.toString(),
                "--protected-mode",
                "no"));
    if (password != null) {
      cmd.addAll(List.of("--requirepass", password));
    }
    cmd.addAll(extraArgs);
    try {
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("redis.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd, e);
    }
    awaitListening(Duration.ofSeconds(10));
    return this;
  }

  /** Stops the server at once (SIGKILL), like a crash. */
  public void stop() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  public int port() {
    return port;
  }

  public String host() {
    return "127.0.0.1";
  }

  /** {@code redis://[:password@]127.0.0.1:port/0}. */
  public String uri() {
    return "redis://" + host() + ":" + port + "/0";
  }

  public String password() {
    return password;
  }

  @Override
  public void close() {
    stop();
  }

  private static String binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    for (String fallback : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
      if (Files.isExecutable(Path.of(fallback))) {
        return fallback;
      }
    }
    throw new IllegalStateException(
        "redis-server is not installed: run hack/install-deps.sh (make test does)");
  }

  private void awaitListening(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited; see " + dir.resolve("redis.log"));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host(), port), 200);
        return;
      } catch (IOException notYet) {
        sleep(20);
      }
    }
    throw new IllegalStateException(
        "redis-server did not listen on " + port + " within " + timeout);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }
}
