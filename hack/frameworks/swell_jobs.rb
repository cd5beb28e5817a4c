# Sidekiq side of the queue-type contract tests (operator FrameworkQueuesTest), on Debian's
# ruby-sidekiq 6.4 and ruby-redis-namespace (hack/install-deps.sh installs both).
#   ruby swell_jobs.rb enqueue URL QUEUE N SECONDS    enqueue N jobs that sleep SECONDS (URL "env": REDIS_URL
#                                                     with REDIS_PASSWORD, Swell's environment contract)
#   ruby swell_jobs.rb counts URL QUEUE...            a JSON line of Sidekiq's own counts per line on stdin
#   sidekiq -r ./swell_jobs.rb -q QUEUE... -c 1       Sidekiq's own worker (REDIS_URL, REDIS_PASSWORD in the environment);
#                                                     its hostname names its pod, as in Kubernetes
# SWELL_SIDEKIQ_NAMESPACE, when set, is the redis-namespace every key goes under. Each job that ends
# counts itself in the hash swell:done:sidekiq (jid -> times done).
require "json"
require "sidekiq"
require "sidekiq/api"

# Debian's Sidekiq 6.4 calls redis-rb 4.8 the old way (BRPOP's timeout, SADD's reply): one warning
# every fetch otherwise
Redis.silence_deprecations = true if Redis.respond_to?(:silence_deprecations=)

# URL "env": Swell's environment contract, REDIS_URL with REDIS_PASSWORD (as the server side reads it)
def redis_options(url)
  options = {url: url == "env" ? ENV.fetch("REDIS_URL") : url}
  password = ENV["REDIS_PASSWORD"].to_s
  options[:password] = password if url == "env" && !password.empty?
  ns = ENV["SWELL_SIDEKIQ_NAMESPACE"].to_s
  options[:namespace] = ns unless ns.empty?
  options
end

Sidekiq.configure_server { |config| config.redis = redis_options("env") }

class SlowJob
  include Sidekiq::Worker

  def perform(seconds)
    sleep seconds
    Sidekiq.redis { |c| c.hincrby("swell:done:sidekiq", jid, 1) }
  end
end

# Sidekiq's own view: each queue's size, the jobs of those queues in its processes' work sets,
# attributed to the hostname of the process that runs them
def counts(queues)
  waiting = queues.sum { |q| Sidekiq::Queue.new(q).size }
  hostnames = Sidekiq::ProcessSet.new.to_h { |p| [p.identity, p["hostname"]] }
  in_flight = 0
  by_pod = Hash.new(0)
  Sidekiq::Workers.new.each do |process, _thread, work|
    next unless queues.include?(work["queue"])
    in_flight += 1
    by_pod[hostnames.fetch(process, process)] += 1
  end
  {waiting: waiting, inFlight: in_flight, byPod: by_pod}
end

if $PROGRAM_NAME == __FILE__
  cmd, url, *rest = ARGV
  Sidekiq.configure_client { |config| config.redis = redis_options(url) }
  case cmd
  when "enqueue"
    queue, n, seconds = rest
    Sidekiq::Client.push_bulk("class" => SlowJob, "queue" => queue,
      "args" => Array.new(Integer(n)) { [Float(seconds)] })
  when "counts"
    $stdin.each_line { puts JSON.generate(counts(rest)); $stdout.flush }
  else
    abort "usage: ruby swell_jobs.rb enqueue|counts URL ..."
  end
end
