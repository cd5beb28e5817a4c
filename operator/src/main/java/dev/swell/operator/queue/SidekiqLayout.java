package dev.swell.operator.queue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Sidekiq (6.x, the open-source fetch): each queue's list {@code queue:<name>} waits. A process is
 * a member of the set {@code processes} (its identity, {@code <hostname>:<pid>:<nonce>}) with a
 * hash {@code <identity>} (its {@code info} JSON names its hostname: in a pod, the pod's name) that
 * expires 60 s after its last heartbeat; its jobs in hand are the values of {@code
 * <identity>:workers} ({@code :work} from Sidekiq 7, not checked here), each naming its queue. Both
 * are written by the heartbeat, every 5 s, so a job taken off its queue is in neither for up to 5
 * s: Sidekiq's own API (Workers, ProcessSet) sees the same. A process whose hash expired is dead
 * and its jobs lost (only Sidekiq Pro's fetch recovers them), so it counts for nothing, as in
 * Sidekiq's WorkSet. ARGV[1]: the namespace prefix (redis-namespace, {@code <ns>:} or empty); then
 * the queue names.
 */
final class SidekiqLayout extends QueueLayout.Scripted {
  static final String SCRIPT =
      """
      local p = ARGV[1]
      local queues = {}
      local waiting = 0
      for i = 2, #ARGV do
        queues[ARGV[i]] = true
        waiting = waiting + redis.call('LLEN', p .. 'queue:' .. ARGV[i])
      end
      local out = {waiting}
      for _, id in ipairs(redis.call('SMEMBERS', p .. 'processes')) do
        local info = redis.call('HGET', p .. id, 'info')
        if info then
          local host = cjson.decode(info)['hostname']
          if type(host) ~= 'string' then host = id end
          -- Sidekiq 6 keeps a process's work in <identity>:workers, Sidekiq 7 in <identity>:work
          for _, suffix in ipairs({':workers', ':work'}) do
            for _, w in ipairs(redis.call('HVALS', p .. id .. suffix)) do
              if queues[cjson.decode(w)['queue']] then
                table.insert(out, host)
                table.insert(out, 1)
              end
            end
          end
        end
      end
      return out
      """;

  SidekiqLayout() {
    super(SCRIPT);
  }

  @Override
  public List<String> args(QueueRef q, List<String> pods) {
    List<String> args = new ArrayList<>();
    args.add(q.prefix() == null ? "" : q.prefix() + ":");
    args.addAll(q.names());
    return args;
  }

  @Override
  public Backlog parse(List<Object> values, List<String> pods, Duration took) {
    // the script left out dead processes, whose jobs Sidekiq's open-source fetch has lost
    return QueueLayout.heldByAnyone(QueueLayout.number(values.get(0)), values, 1, pods, took);
  }
}
