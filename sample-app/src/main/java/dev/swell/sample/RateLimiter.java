package dev.swell.sample;

import io.lettuce.core.ScriptOutputType;
import java.util.List;

/**
 * A token bucket per client, kept in Redis and updated by one Lua script, so every api replica
 * shares each client's budget and no two requests race. The script reads Redis' own clock, so
 * replicas with skewed clocks agree too. Redis down: requests pass (fail open), and are counted.
 */
public final class RateLimiter {

  /** The verdict: allowed or not, tokens left, and the wait until the next token. */
  public record Verdict(boolean allowed, long remaining, long retryAfterMillis) {}

  static final String SCRIPT = """
      local rate = tonumber(ARGV[1])
      local burst = tonumber(ARGV[2])
      local t = redis.call('TIME')
      local now = t[1] * 1000 + math.floor(t[2] / 1000)
      local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
      local tokens = tonumber(bucket[1])
      local ts = tonumber(bucket[2])
      if tokens == nil then tokens = burst; ts = now end
      tokens = math.min(burst, tokens + math.max(0, now - ts) * rate / 1000)
      local allowed = 0
      local wait = 0
      if tokens >= 1 then
        tokens = tokens - 1
        allowed = 1
      else
        wait = math.ceil((1 - tokens) * 1000 / rate)
      end
      redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', now)
      redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
      return {allowed, math.floor(tokens), wait}
      """;

  private final Redis redis;
  private final int rate;
  private final int burst;
  private volatile String sha;

  public RateLimiter(Redis redis, int requestsPerSecond, int burst) {
    this.redis = redis;
    this.rate = requestsPerSecond;
    this.burst = burst;
  }

  public int limit() {
    return burst;
  }

  public Verdict acquire(String client) throws RuntimeException {
    String[] keys = {"ratelimit:" + client};
    List<Long> r;
    try {
      r = redis.commands().evalsha(sha(), ScriptOutputType.MULTI, keys, String.valueOf(rate), String.valueOf(burst));
    } catch (io.lettuce.core.RedisNoScriptException e) {
      sha = null; // Redis restarted and forgot the script
      r = redis.commands().evalsha(sha(), ScriptOutputType.MULTI, keys, String.valueOf(rate), String.valueOf(burst));
    }
    return new Verdict(r.get(0) == 1, r.get(1), r.get(2));
  }

  private String sha() {
    String s = sha;
    if (s == null) {
      s = redis.commands().scriptLoad(SCRIPT);
      sha = s;
    }
    return s;
  }
}
