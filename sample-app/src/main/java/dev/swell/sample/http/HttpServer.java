package dev.swell.sample.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server on Netty's event loops, with virtual threads for whatever blocks. The
 * event loops parse requests and write responses; a request whose answer needs no I/O (a hot
 * product, a health check, a refusal) is answered right there, without a thread hand-off, and
 * everything else runs as plain blocking code on a virtual thread of its own. That is what lets one
 * replica serve cached reads faster than a round trip to Redis.
 *
 * <p>Netty parses requests ({@link HttpRequestDecoder}); the rest of HTTP/1.1 that this server
 * needs is one handler per connection: it collects a body up to the limit, answers {@code Expect:
 * 100-continue}, keeps the connection open or closes it as the request asks, and writes each whole
 * response straight into one buffer. Netty's aggregator, keep-alive handler and response encoder
 * did the same in three more pipeline stages and a header map per response.
 *
 * <p>Responses on a keep-alive connection go out in request order: while a request's blocking work
 * runs, the connection reads nothing more, and requests already read wait their turn.
 */
public final class HttpServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

  /**
   * Connections the kernel holds for us before we accept them. A small backlog overflows when
   * hundreds of clients connect at once; the kernel then drops their handshakes and those clients
   * wait a second or more for a retransmission.
   */
  static final int ACCEPT_QUEUE = 1024;

  /** A keep-alive connection that starts no request for this long is closed. */
  static final Duration IDLE = Duration.ofMinutes(5);

  /** How long a stopping server waits for requests in flight. */
  static final Duration DRAIN = Duration.ofSeconds(5);

  /** How long a connection closed after a refusal keeps discarding what the client still sends. */
  static final Duration LINGER = Duration.ofSeconds(2);

  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] NO_BODY = new byte[0];
  private static final byte[] CONTINUE =
      "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[][] STATUS_LINES = new byte[600][];

  static {
    for (int status = 100; status < STATUS_LINES.length; status++) {
      STATUS_LINES[status] =
          ("HTTP/1.1 " + HttpResponseStatus.valueOf(status) + "\r\n")
              .getBytes(StandardCharsets.US_ASCII);
    }
  }

  private final Handler handler;
  private final int maxBody;
  private final long idleNanos;
  private final EventLoopGroup loops;
  private final ExecutorService blocking;
  private final Channel listening;

  private HttpServer(String name, int port, int maxBody, Duration idle, Handler handler) {
    this.handler = handler;
    this.maxBody = maxBody;
    this.idleNanos = idle.toNanos();
    int threads = Runtime.getRuntime().availableProcessors();
    var loopThreads = Thread.ofPlatform().name(name + "-loop-", 0).factory();
    boolean epoll = Epoll.isAvailable();
    this.loops =
        epoll
            ? new EpollEventLoopGroup(threads, loopThreads)
            : new NioEventLoopGroup(threads, loopThreads);
    Class<? extends ServerChannel> channel =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    this.blocking =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-", 0).factory());
    try {
      this.listening =
          new ServerBootstrap()
              .group(loops)
              .channel(channel)
              .option(ChannelOption.SO_BACKLOG, ACCEPT_QUEUE)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      ch.pipeline().addLast(new HttpRequestDecoder(), new Connection());
                    }
                  })
              .bind(port)
              .syncUninterruptibly()
              .channel();
    } catch (RuntimeException e) {
      loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      blocking.shutdown();
      throw e;
    }
    if (epoll) {
      log.info("{}: {} epoll event loops", name, threads);
    } else {
      log.info(
          "{}: {} NIO event loops (epoll unavailable: {})",
          name,
          threads,
          Epoll.unavailabilityCause().toString());
    }
  }

  /** Listens on the port (0: any free one) until {@link #close()}. */
  public static HttpServer start(String name, int port, int maxBody, Handler handler) {
    return new HttpServer(name, port, maxBody, IDLE, handler);
  }

  /** With another idle timeout, for tests. */
  static HttpServer start(String name, int port, int maxBody, Duration idle, Handler handler) {
    return new HttpServer(name, port, maxBody, idle, handler);
  }

  public int port() {
    return ((InetSocketAddress) listening.localAddress()).getPort();
  }

  /** Stops accepting, lets the requests in flight finish (up to {@link #DRAIN}), then closes. */
  @Override
  public void close() {
    listening.close().syncUninterruptibly();
    blocking.shutdown();
    try {
      if (!blocking.awaitTermination(DRAIN.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("requests still running after {}s; closing their connections", DRAIN.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    loops.shutdownGracefully(0, DRAIN.toSeconds(), TimeUnit.SECONDS).syncUninterruptibly();
  }

  /**
   * The whole response in one buffer: status line, headers, body. A reply to HEAD has the same
   * headers and no body; {@code connection} is set when it differs from the version's default.
   */
  static ByteBuf encode(ChannelHandlerContext ctx, Response r, Exchange how) {
    int size = 96 + r.body().length + r.contentType().length();
    for (Response.Header h : r.headers()) {
      size += h.name().length() + h.value().length() + 4;
    }
    ByteBuf out = ctx.alloc().buffer(size);
    out.writeBytes(STATUS_LINES[r.status()]);
    header(out, HttpHeaderNames.CONTENT_TYPE, r.contentType());
    header(out, HttpHeaderNames.CONTENT_LENGTH, Integer.toString(r.body().length));
    for (Response.Header h : r.headers()) {
      header(out, h.name(), h.value());
    }
    if (!how.keepAlive()) {
      header(out, HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (how.http10()) {
      header(out, HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    out.writeBytes(CRLF);
    if (!how.head()) {
      out.writeBytes(r.body());
    }
    return out;
  }

  private static void header(ByteBuf out, CharSequence name, CharSequence value) {
    ByteBufUtil.writeAscii(out, name);
    out.writeByte(':').writeByte(' ');
    ByteBufUtil.writeAscii(out, value);
    out.writeBytes(CRLF);
  }

  /** How a response goes out: whether the connection stays open, for HTTP/1.0, for HEAD. */
  record Exchange(boolean keepAlive, boolean http10, boolean head) {
    static final Exchange LAST = new Exchange(false, false, false);

    static Exchange of(HttpRequest head) {
      return new Exchange(
          HttpUtil.isKeepAlive(head),
          head.protocolVersion().equals(HttpVersion.HTTP_1_0),
          head.method().equals(HttpMethod.HEAD));
    }

    Exchange closing() {
      return new Exchange(false, http10, head);
    }
  }

  /**
   * A request read and not yet answered, or an answer already known (a refusal) waiting its turn,
   * or neither: a 100 Continue.
   */
  private record Pending(Request request, Response answer, Exchange how, long startedNanos) {}

  /**
   * One connection: it assembles each request, serves requests one at a time in order, and writes
   * their responses. Only ever touched on its event loop.
   */
  private final class Connection extends ChannelInboundHandlerAdapter {
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private boolean busy;
    private boolean closing;
    private String remoteHost = "unknown";
    private ScheduledFuture<?> idleCheck;

    /**
     * The request whose body is being read, or null between requests and while a body is skipped.
     */
    private HttpRequest head;

    private Exchange how;

    /**
     * When the last request started (or the connection, before one): its latency clock, and the
     * idle clock that a timer reads instead of a check on every read.
     */
    private long startedNanos;

    private long declaredLength;

    /** The body read so far; null while there is none. */
    private ByteArrayOutputStream body;

    /** Skipping the rest of a request already answered (a body over the limit). */
    private boolean skipping;

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
        remoteHost = a.getAddress().getHostAddress();
      }
      startedNanos = System.nanoTime();
      idleCheck = ctx.executor().schedule(() -> closeIfIdle(ctx), idleNanos, TimeUnit.NANOSECONDS);
      super.channelActive(ctx);
    }

    private void closeIfIdle(ChannelHandlerContext ctx) {
      long quiet = System.nanoTime() - startedNanos;
      if (quiet >= idleNanos) {
        ctx.close();
      } else {
        idleCheck =
            ctx.executor()
                .schedule(() -> closeIfIdle(ctx), idleNanos - quiet, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (idleCheck != null) {
        idleCheck.cancel(false);
      }
      super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (!closing) {
          read(ctx, msg);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void read(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest start) {
        startedNanos = System.nanoTime();
        if (start.decoderResult().isFailure()) {
          malformed(start.decoderResult().cause());
          return;
        }
        begin(ctx, start);
      }
      if (msg instanceof HttpContent part) {
        if (part.decoderResult().isFailure()) {
          malformed(part.decoderResult().cause());
          return;
        }
        boolean last = part instanceof LastHttpContent;
        if (skipping) {
          skipping = !last;
          return;
        }
        if (head == null) {
          return;
        }
        int n = part.content().readableBytes();
        if (n > 0) {
          if (body == null) {
            body = new ByteArrayOutputStream(declaredLength > 0 ? (int) declaredLength : 1024);
          }
          if (body.size() + n > maxBody) { // a body without a length, cut off at the limit
            tooLarge(how.closing());
            return;
          }
          body.writeBytes(ByteBufUtil.getBytes(part.content()));
        }
        if (last) {
          HttpRequest done = head;
          head = null;
          String uri = done.uri();
          int query = uri.indexOf('?');
          Request request =
              new Request(
                  done.method().name(),
                  query < 0 ? uri : uri.substring(0, query),
                  done.headers(),
                  body == null ? NO_BODY : body.toByteArray(),
                  remoteHost);
          enqueue(ctx, new Pending(request, null, how, startedNanos));
        }
      }
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest start) {
      how = Exchange.of(start);
      CharSequence expect = start.headers().get(HttpHeaderNames.EXPECT);
      long declared = HttpUtil.getContentLength(start, -1L);
      if (expect != null && !HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect)) {
        answerAndSkip(
            new Pending(
                null, Response.error(417, "unsupported Expect: " + expect), how, startedNanos));
      } else if (declared > maxBody) {
        // the client that asked to continue has sent nothing more; one that did not is sending the
        // body
        tooLarge(expect != null ? how.closing() : how);
      } else {
        if (expect != null) { // interim, but in turn: earlier pipelined requests are answered first
          enqueue(ctx, new Pending(null, null, how, startedNanos));
        }
        head = start;
        declaredLength = declared;
        body = null;
      }
    }

    private void tooLarge(Exchange how) {
      answerAndSkip(
          new Pending(
              null,
              Response.error(413, "body larger than " + maxBody + " bytes"),
              how,
              startedNanos));
    }

    private void malformed(Throwable cause) {
      String problem =
          cause instanceof TooLongFrameException
              ? "request line or headers too long"
              : "malformed HTTP request";
      answerAndSkip(new Pending(null, Response.error(400, problem), Exchange.LAST, startedNanos));
    }

    /** Queues an answer for a request whose body is not wanted and skips that body. */
    private void answerAndSkip(Pending answer) {
      head = null;
      skipping = true;
      waiting.add(answer);
    }

    private void enqueue(ChannelHandlerContext ctx, Pending p) {
      if (busy || !waiting.isEmpty()) {
        waiting.add(p);
      } else {
        serve(ctx, p);
      }
    }

    private void serve(ChannelHandlerContext ctx, Pending p) {
      if (p.answer() != null) {
        write(ctx, p, p.answer());
        return;
      }
      if (p.request() == null) {
        ctx.writeAndFlush(
            ctx.alloc().buffer(CONTINUE.length).writeBytes(CONTINUE), ctx.voidPromise());
        return;
      }
      Reply reply;
      try {
        reply = handler.handle(p.request());
      } catch (RuntimeException e) {
        reply = failed(p.request(), e);
      }
      switch (reply) {
        case Response r -> write(ctx, p, r);
        case Reply.Later later -> {
          busy = true;
          ctx.channel().config().setAutoRead(false);
          try {
            blocking.execute(
                () -> {
                  Response r = run(p.request(), later);
                  ctx.executor().execute(() -> resume(ctx, p, r));
                });
          } catch (RejectedExecutionException stopping) {
            resume(ctx, p, Response.error(503, "server stopping"));
          }
        }
      }
    }

    private Response run(Request request, Reply.Later later) {
      try {
        return later.work().get();
      } catch (RuntimeException e) {
        return failed(request, e);
      }
    }

    private void resume(ChannelHandlerContext ctx, Pending p, Response r) {
      busy = false;
      write(ctx, p, r);
      if (!closing) {
        ctx.channel().config().setAutoRead(true);
        drain(ctx);
      }
      ctx.flush();
    }

    private void drain(ChannelHandlerContext ctx) {
      Pending next;
      while (!busy && !closing && (next = waiting.poll()) != null) {
        serve(ctx, next);
      }
    }

    private void write(ChannelHandlerContext ctx, Pending p, Response r) {
      if (closing) {
        return;
      }
      ByteBuf out = encode(ctx, r, p.how());
      if (p.how().keepAlive()) {
        ctx.write(out, ctx.voidPromise());
      } else {
        closing = true;
        waiting.clear();
        ctx.writeAndFlush(out).addListener(f -> lingerThenClose(ctx));
      }
      if (p.request() != null) {
        handler.completed(p.request(), r.status(), System.nanoTime() - p.startedNanos());
      }
    }

    /**
     * Closes after the last response without resetting it. A client still sending a body that was
     * refused (413) would get a TCP reset for the bytes left unread, and the reset can reach it
     * before the response; so the output is shut first (the client reads the response, then the
     * end), and what still comes in is discarded for up to {@link #LINGER} before the connection
     * closes, as Apache's and nginx's lingering close do.
     */
    private void lingerThenClose(ChannelHandlerContext ctx) {
      if (ctx.channel() instanceof DuplexChannel duplex && duplex.isActive()) {
        duplex
            .shutdownOutput()
            .addListener(
                f -> {
                  ctx.channel().config().setAutoRead(true);
                  ctx.executor()
                      .schedule(() -> ctx.close(), LINGER.toMillis(), TimeUnit.MILLISECONDS);
                });
      } else {
        ctx.close();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      drain(ctx); // answers found while reading (refusals) go out in turn
      ctx.flush(); // one write for every response of this read
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (!(cause instanceof IOException)) { // a client going away is not news
        log.warn("closing a connection from {}: {}", remoteHost, cause.toString());
      }
      ctx.close();
    }
  }

  private static Response failed(Request request, RuntimeException e) {
    log.error("unexpected error on {} {}", request.method(), request.path(), e);
    return Response.error(500, "internal error");
  }
}
