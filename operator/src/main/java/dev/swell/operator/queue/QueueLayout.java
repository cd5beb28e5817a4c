package dev.swell.operator.queue;

import dev.swell.operator.api.QueueType;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How one framework keeps its queue in Redis: the keys and arguments of one Lua read, and what its
 * answer means. Each read is one script, so the backlog and the work in flight are seen at one
 * instant. The scripts name some keys they compute (a framework's per-worker keys), which a single
 * Redis allows and a Redis Cluster would not.
 */
interface QueueLayout {

  String script();

  /** The script's SHA-1, as EVALSHA names it. */
  String digest();

  /** The keys the script declares; most layouts compute theirs from their arguments. */
  default List<String> keys(QueueRef q, List<String> pods) {
    return List.of();
  }

  List<String> args(QueueRef q, List<String> pods);

  Backlog parse(List<Object> values, List<String> pods, Duration took);

  /** The layout of a queue type; one instance each, as they hold nothing but their script. */
  static QueueLayout of(QueueType type) {
    return Known.BY_TYPE.get(type);
  }

  /** The layouts, made once. */
  final class Known {
    static final Map<QueueType, QueueLayout> BY_TYPE = new EnumMap<>(QueueType.class);

    static {
      for (QueueType type : QueueType.values()) {
        BY_TYPE.put(
            type,
            switch (type) {
              case List -> new ListLayout();
              case Streams -> new StreamsLayout();
              case RQ -> new RqLayout();
              case Celery -> new CeleryLayout();
              case BullMQ -> new BullMqLayout();
              case Sidekiq -> new SidekiqLayout();
            });
      }
    }

    private Known() {}
  }

  static long number(Object o) {
    return o instanceof Long l ? l : o == null ? 0 : Long.parseLong(o.toString());
  }

  /**
   * Items held by named consumers, from alternating (name, count) values starting at {@code from}:
   * the live pods' per pod, the rest stranded.
   */
  static Backlog byConsumer(
      long waiting,
      long processed,
      List<Object> values,
      int from,
      Collection<String> pods,
      Duration took) {
    Set<String> live = Set.copyOf(pods);
    Map<String, Long> byPod = new LinkedHashMap<>();
    long inFlight = 0;
    long stranded = 0;
    for (int i = from; i + 1 < values.size(); i += 2) {
      String name = String.valueOf(values.get(i));
      long n = number(values.get(i + 1));
      if (live.contains(name)) {
        if (n > 0) {
          byPod.merge(name, n, Long::sum);
        }
        inFlight += n;
      } else {
        stranded += n;
      }
    }
    return new Backlog(waiting, inFlight, byPod, processed, stranded, took);
  }

  /**
   * Jobs in flight whoever holds them, from alternating (holder, count) values starting at {@code
   * from}: attributed to the live pods that hold them, none stranded (the framework itself returns
   * or drops a dead worker's jobs). Nothing processed is counted.
   */
  static Backlog heldByAnyone(
      long waiting, List<Object> values, int from, Collection<String> pods, Duration took) {
    Backlog b = byConsumer(waiting, 0, values, from, pods, took);
    return new Backlog(b.waiting(), b.inFlight() + b.stranded(), b.inFlightByPod(), 0, 0, took);
  }

  /** A layout's script. */
  abstract class Scripted implements QueueLayout {
    private final String script;
    private final String digest;

    Scripted(String script) {
      this.script = script;
      try {
        this.digest =
            HexFormat.of()
                .formatHex(
                    MessageDigest.getInstance("SHA-1")
                        .digest(script.getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("every JDK has SHA-1", e);
      }
    }

    @Override
    public final String script() {
      return script;
    }

    @Override
    public final String digest() {
      return digest;
    }
  }

  /** The sample app's list: {@code <key>}, {@code <key>:processing:<pod>}, counter, consumers. */
  final class ListLayout extends Scripted {
    /**
     * KEYS: the queue, the live pods' processing lists, the counter, the consumers set; ARGV[1]:
     * the processing lists' prefix. Returns their lengths, the counter, and the stranded items:
     * those in the lists of consumers that are not live.
     */
    static final String SCRIPT =
        """
        local n = #KEYS
        local out = {}
        local live = {}
        for i = 1, n - 2 do
          out[i] = redis.call('LLEN', KEYS[i])
          live[KEYS[i]] = true
        end
        out[n - 1] = tonumber(redis.call('GET', KEYS[n - 1]) or '0') or 0
        local stranded = 0
        for _, pod in ipairs(redis.call('SMEMBERS', KEYS[n])) do
          local list = ARGV[1] .. pod
          if not live[list] then stranded = stranded + redis.call('LLEN', list) end
        end
        out[n] = stranded
        return out
        """;

    ListLayout() {
      super(SCRIPT);
    }

    @Override
    public List<String> keys(QueueRef q, List<String> pods) {
      List<String> keys = new ArrayList<>();
      keys.add(q.key());
      pods.forEach(p -> keys.add(QueueBacklogSource.processingList(q.key(), p)));
      keys.add(QueueBacklogSource.processedCounter(q.key()));
      keys.add(QueueBacklogSource.consumers(q.key()));
      return keys;
    }

    @Override
    public List<String> args(QueueRef q, List<String> pods) {
      return List.of(QueueBacklogSource.processingList(q.key(), ""));
    }

    @Override
    public Backlog parse(List<Object> values, List<String> pods, Duration took) {
      Map<String, Long> byPod = new LinkedHashMap<>();
      long inFlight = 0;
      for (int i = 0; i < pods.size(); i++) {
        long n = number(values.get(i + 1));
        inFlight += n;
        if (n > 0) {
          byPod.put(pods.get(i), n);
        }
      }
      return new Backlog(
          number(values.get(0)),
          inFlight,
          byPod,
          number(values.get(values.size() - 2)),
          number(values.get(values.size() - 1)),
          took);
    }
  }

  /**
   * A stream and its consumer group: the group's lag waits, its pending entries are in flight, per
   * consumer (the pod's name). Entries pending at a consumer that is no live pod are stranded until
   * a worker claims them (XAUTOCLAIM), so they count as backlog. Done: entries-read less pending. A
   * stream or group not yet made: every entry waits.
   */
  final class StreamsLayout extends Scripted {
    static final String SCRIPT =
        """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
        local function fields(t)
          local f = {}
          for i = 1, #t, 2 do f[t[i]] = t[i + 1] end
          return f
        end
        local group = nil
        for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
          local f = fields(g)
          if f['name'] == ARGV[1] then group = f end
        end
        if not group then return {redis.call('XLEN', KEYS[1]), 0} end
        local read = tonumber(group['entries-read']) or 0
        local lag = tonumber(group['lag'])
        if not lag then lag = math.max(0, redis.call('XLEN', KEYS[1]) - read) end
        local out = {lag, read - group['pending']}
        for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
          local f = fields(c)
          table.insert(out, f['name'])
          table.insert(out, f['pending'])
        end
        return out
        """;

    StreamsLayout() {
      super(SCRIPT);
    }

    @Override
    public List<String> keys(QueueRef q, List<String> pods) {
      return List.of(q.key());
    }

    @Override
    public List<String> args(QueueRef q, List<String> pods) {
      return List.of(q.group());
    }

    @Override
    public Backlog parse(List<Object> values, List<String> pods, Duration took) {
      return byConsumer(number(values.get(0)), number(values.get(1)), values, 2, pods, took);
    }
  }

  /**
   * RQ: each queue's list {@code rq:queue:<name>} waits; its intermediate list and the started-job
   * registry {@code rq:wip:<name>} (entries {@code <job id>:<execution id>} whose score, their
   * expiry, is still ahead) are in flight, a job in both (on its way from one to the other) once. A
   * worker (hash {@code rq:worker:<name>}, listed in {@code rq:workers:<queue>}) whose state is
   * busy holds one job, attributed to its hostname: in a pod, the pod's name. RQ keeps no count of
   * finished jobs (its finished registry expires), so processed stays 0. ARGV: the queue names.
   */
  final class RqLayout extends Scripted {
    static final String SCRIPT =
        """
        local now = tonumber(redis.call('TIME')[1])
        local waiting, started = 0, 0
        local workers, seen = {}, {}
        for i = 1, #ARGV do
          local q = ARGV[i]
          waiting = waiting + redis.call('LLEN', 'rq:queue:' .. q)
          -- registry entries are <job id>:<execution id> (RQ 2 on); the worker adds one before it
          -- forks the work horse, which then takes the job off the intermediate list: count once
          local live = {}
          for _, e in ipairs(redis.call('ZRANGEBYSCORE', 'rq:wip:' .. q, '(' .. now, '+inf')) do
            started = started + 1
            live[string.match(e, '^(.-):[^:]*$') or e] = true
          end
          for _, id in ipairs(redis.call('LRANGE', 'rq:queue:' .. q .. ':intermediate', 0, -1)) do
            if not live[id] then started = started + 1 end
          end
          for _, w in ipairs(redis.call('SMEMBERS', 'rq:workers:' .. q)) do
            if not seen[w] then seen[w] = true; table.insert(workers, w) end
          end
        end
        local out = {waiting, started}
        for _, w in ipairs(workers) do
          local f = redis.call('HMGET', w, 'state', 'hostname')
          if f[1] == 'busy' and f[2] then
            table.insert(out, f[2])
            table.insert(out, 1)
          end
        end
        return out
        """;

    RqLayout() {
      super(SCRIPT);
    }

    @Override
    public List<String> args(QueueRef q, List<String> pods) {
      return q.names();
    }

    @Override
    public Backlog parse(List<Object> values, List<String> pods, Duration took) {
      Backlog busy = byConsumer(number(values.get(0)), 0, values, 2, pods, took);
      // the registry is the count in flight; busy workers only say where (RQ itself re-queues or
      // fails the jobs of workers that died, so none is stranded here)
      return new Backlog(busy.waiting(), number(values.get(1)), busy.inFlightByPod(), 0, 0, took);
    }
  }

  /**
   * Celery's Redis broker (kombu): each queue's list and its priority lists ({@code
   * <queue>\\x06\\x16 <1..9>}: every step kombu's {@code priority_steps} can name, its default 3, 6
   * and 9 among them, so configured steps need no setting here) wait; the {@code unacked} hash,
   * shared by every queue of the database, holds what workers have taken and not acknowledged: with
   * {@code task_acks_late} the tasks running and reserved, without it only the reserved. Which
   * worker holds a message is not in Redis, so there are no busy pods: workers must finish their
   * task within their grace period (Celery's warm shutdown). ARGV[1]: the key prefix; then the
   * queue names.
   */
  final class CeleryLayout extends Scripted {
    static final String SCRIPT =
        """
        local p = ARGV[1]
        local waiting = 0
        for i = 2, #ARGV do
          local q = p .. ARGV[i]
          waiting = waiting + redis.call('LLEN', q)
          for pri = 1, 9 do
            waiting = waiting + redis.call('LLEN', q .. '\\6\\22' .. pri)
          end
        end
        return {waiting, redis.call('HLEN', p .. 'unacked')}
        """;

    CeleryLayout() {
      super(SCRIPT);
    }

    @Override
    public List<String> args(QueueRef q, List<String> pods) {
      List<String> args = new ArrayList<>();
      args.add(q.prefix() == null ? "" : q.prefix());
      args.addAll(q.names());
      return args;
    }

    @Override
    public Backlog parse(List<Object> values, List<String> pods, Duration took) {
      return new Backlog(number(values.get(0)), number(values.get(1)), Map.of(), 0, 0, took);
    }
  }

  /**
   * BullMQ: {@code <prefix>:<queue>:wait} and {@code :prioritized} wait, {@code :active} is in
   * flight; each active job's hash names its Worker in {@code pb} (processedBy: the Worker's {@code
   * name} option, which in a pod should be its name). Delayed jobs are not yet work. Jobs BullMQ
   * finds stalled go back to wait by BullMQ itself. ARGV[1]: {@code <prefix>:<queue>:}.
   */
  final class BullMqLayout extends Scripted {
    static final String SCRIPT =
        """
        local b = ARGV[1]
        local waiting = redis.call('LLEN', b .. 'wait') + redis.call('ZCARD', b .. 'prioritized')
        local out = {waiting}
        for _, id in ipairs(redis.call('LRANGE', b .. 'active', 0, -1)) do
          table.insert(out, redis.call('HGET', b .. id, 'pb') or '')
          table.insert(out, 1)
        end
        return out
        """;

    BullMqLayout() {
      super(SCRIPT);
    }

    @Override
    public List<String> args(QueueRef q, List<String> pods) {
      return List.of((q.prefix() == null ? "bull" : q.prefix()) + ":" + q.key() + ":");
    }

    @Override
    public Backlog parse(List<Object> values, List<String> pods, Duration took) {
      // BullMQ's stalled check returns a dead worker's jobs to wait
      return heldByAnyone(number(values.get(0)), values, 1, pods, took);
    }
  }
}
