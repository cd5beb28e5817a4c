package dev.swell.sample.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server on Netty's event loops, with virtual threads for whatever blocks. The
 * event loops parse requests and write responses; a request whose answer needs no I/O (a hot
 * product, a health check, a refusal) is answered right there, without a thread hand-off, and
 * everything else runs as plain blocking code on a virtual thread of its own. That is what lets
 * one replica serve cached reads faster than a round trip to Redis.
 *
 * <p>Responses on a keep-alive connection go out in request order: while a request's blocking
 * work runs, the connection reads nothing more, and requests already read wait their turn.
 */
public final class HttpServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);
  /**
   * Connections the kernel holds for us before we accept them. A small backlog overflows when
   * hundreds of clients connect at once; the kernel then drops their handshakes and those clients
   * wait a second or more for a retransmission.
   */
  static final int ACCEPT_QUEUE = 1024;
  /** A keep-alive connection that says nothing for this long is closed. */
  static final Duration IDLE = Duration.ofMinutes(5);
  /** How long a stopping server waits for requests in flight. */
  static final Duration DRAIN = Duration.ofSeconds(5);

  /**
   * Response headers are not validated again: every name is one of ours, and no value carries
   * request input (only numbers, ids we made and constants).
   */
  private static final HttpHeadersFactory TRUSTED = DefaultHttpHeadersFactory.headersFactory().withValidation(false);

  private final Handler handler;
  private final int maxBody;
  private final EventLoopGroup loops;
  private final ExecutorService blocking;
  private final Channel listening;

  private HttpServer(String name, int port, int maxBody, Handler handler) {
    this.handler = handler;
    this.maxBody = maxBody;
    this.loops = new NioEventLoopGroup(Runtime.getRuntime().availableProcessors(),
        Thread.ofPlatform().name(name + "-loop-", 0).factory());
    this.blocking = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-", 0).factory());
    try {
      this.listening = new ServerBootstrap()
          .group(loops)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, ACCEPT_QUEUE)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE.toSeconds(), TimeUnit.SECONDS),
                  new HttpServerCodec(), new HttpServerKeepAliveHandler(), new BodyLimit(), new Connection());
            }
          })
          .bind(port).syncUninterruptibly().channel();
    } catch (RuntimeException e) {
      loops.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      blocking.shutdown();
      throw e;
    }
  }

  /** Listens on the port (0: any free one) until {@link #close()}. */
  public static HttpServer start(String name, int port, int maxBody, Handler handler) {
    return new HttpServer(name, port, maxBody, handler);
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

  private static FullHttpResponse encode(Response r) {
    FullHttpResponse out = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
        Unpooled.wrappedBuffer(r.body()), TRUSTED, TRUSTED);
    HttpHeaders h = out.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
    for (Response.Header header : r.headers()) {
      h.add(header.name(), header.value());
    }
    return out;
  }

  /** Bodies over the limit get a JSON 413, like every other error; the rest of the body is discarded. */
  private final class BodyLimit extends HttpObjectAggregator {
    BodyLimit() {
      super(maxBody);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      // a body already partly read (chunked) cannot be skipped cleanly, nor one the client won't end
      Response tooLarge = Response.error(413, "body larger than " + maxBody + " bytes");
      if (oversized instanceof FullHttpMessage || !HttpUtil.isKeepAlive(oversized)) {
        closeWith(ctx, tooLarge);
      } else {
        ctx.writeAndFlush(encode(tooLarge)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      }
    }
  }

  /** Writes a last response, saying so in its headers, and closes the connection once it is out. */
  private static void closeWith(ChannelHandlerContext ctx, Response r) {
    FullHttpResponse out = encode(r);
    out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
  }

  private record Pending(Request request, long startedNanos) {}

  /** One connection's requests, in order; only ever touched on its event loop. */
  private final class Connection extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private boolean busy;
    private String remoteHost = "unknown";

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      if (ctx.channel().remoteAddress() instanceof InetSocketAddress a && a.getAddress() != null) {
        remoteHost = a.getAddress().getHostAddress();
      }
      super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
      long started = System.nanoTime();
      if (msg.decoderResult().isFailure()) {
        closeWith(ctx, Response.error(400, "malformed HTTP request"));
        return;
      }
      String uri = msg.uri();
      int query = uri.indexOf('?');
      byte[] body = new byte[msg.content().readableBytes()]; // copied: the virtual thread outlives msg
      msg.content().readBytes(body);
      Request request = new Request(msg.method().name(), query < 0 ? uri : uri.substring(0, query), msg.headers(),
          body, remoteHost);
      if (busy) {
        waiting.add(new Pending(request, started));
      } else {
        serve(ctx, request, started);
      }
    }

    private void serve(ChannelHandlerContext ctx, Request request, long started) {
      Reply reply;
      try {
        reply = handler.handle(request);
      } catch (RuntimeException e) {
        reply = failed(request, e);
      }
      switch (reply) {
        case Response r -> write(ctx, request, r, started);
        case Reply.Later later -> {
          busy = true;
          ctx.channel().config().setAutoRead(false);
          try {
            blocking.execute(() -> {
              Response r = run(request, later);
              ctx.executor().execute(() -> resume(ctx, request, r, started));
            });
          } catch (RejectedExecutionException stopping) {
            resume(ctx, request, Response.error(503, "server stopping"), started);
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

    private void resume(ChannelHandlerContext ctx, Request request, Response r, long started) {
      write(ctx, request, r, started);
      busy = false;
      ctx.channel().config().setAutoRead(true);
      Pending next;
      while (!busy && (next = waiting.poll()) != null) {
        serve(ctx, next.request(), next.startedNanos());
      }
      ctx.flush();
    }

    private void write(ChannelHandlerContext ctx, Request request, Response r, long started) {
      ctx.write(encode(r), ctx.voidPromise());
      handler.completed(request, r.status(), System.nanoTime() - started);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      ctx.flush(); // one write for every response of this read
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof IdleStateEvent) {
        ctx.close();
      } else {
        super.userEventTriggered(ctx, evt);
      }
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
