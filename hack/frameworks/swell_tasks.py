"""Tasks, workers and a counts probe for the queue-type tests (operator FrameworkQueuesTest, and
the swell/frameworks image of hack/images with the samples manifests/samples/frameworks-*.yaml).

    python swell_tasks.py enqueue rq|celery|streams URL QUEUE N SECONDS [PRIORITY]
                                                                   enqueue N tasks that sleep
                                                                   (Celery: at that priority)
    python swell_tasks.py counts rq|celery URL QUEUE...           a JSON line of the framework's
                                                                   own counts per line on stdin
    python swell_tasks.py worker rq|celery URL QUEUE...           the framework's own worker, named
                                                                   after POD_NAME, one task at a time
    python swell_tasks.py worker streams URL STREAM GROUP         a consumer-group worker with
                                                                   redis-py (Streams have no framework
                                                                   of their own): consumer = POD_NAME
SWELL_CELERY_PRIORITY_STEPS (e.g. 0,1,2,3,4,5,6,7,8,9) sets kombu's priority steps for all three.
URL "env" means Swell's environment contract: REDIS_URL with REDIS_PASSWORD. Each task that ends
counts itself in the hash swell:done:<rq|celery|streams> (task or entry id -> times done).
Celery workers: celery -A swell_tasks worker ... (REDIS_URL in the environment).
RQ workers: rq worker --url URL QUEUE (this directory on PYTHONPATH).
"""
import json
import os
import sys
import time

from celery import Celery


def contract_url():
    """REDIS_URL with REDIS_PASSWORD, as a redis-py or kombu URL."""
    url = os.environ["REDIS_URL"]
    password = os.environ.get("REDIS_PASSWORD")
    if password:
        scheme, rest = url.split("://", 1)
        from urllib.parse import quote

        url = scheme + "://:" + quote(password, safe="") + "@" + rest
    return url


def resolve(url):
    return contract_url() if url == "env" else url


app = Celery("swell_tasks", broker=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
# acks_late: a task stays unacked while it runs, so the broker holds what is in flight;
# prefetch 1: a worker reserves no task beyond the one it runs
app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True)
# SWELL_CELERY_PRIORITY_STEPS="0,1,...": kombu's priority_steps for the client, the workers and the
# counts alike (default 0, 3, 6, 9)
if os.environ.get("SWELL_CELERY_PRIORITY_STEPS"):
    app.conf.broker_transport_options = {
        "priority_steps": [int(s) for s in os.environ["SWELL_CELERY_PRIORITY_STEPS"].split(",")]
    }


def done(kind, task_id, url):
    from redis import Redis

    Redis.from_url(url).hincrby("swell:done:" + kind, task_id, 1)


@app.task(name="slow", bind=True)
def slow(self, seconds):
    time.sleep(seconds)
    done("celery", self.request.id, app.conf.broker_url)
    return seconds


def rq_slow(seconds):
    from rq import get_current_job

    time.sleep(seconds)
    job = get_current_job()
    job.connection.hincrby("swell:done:rq", job.id, 1)
    return seconds


def worker(kind, url, queues):
    pod = os.environ.get("POD_NAME") or None
    if kind == "rq":
        from redis import Redis
        from rq import Queue, Worker

        conn = Redis.from_url(url)
        # RQ finishes the job in hand on SIGTERM (warm shutdown); its hostname is the pod's name
        Worker([Queue(q, connection=conn) for q in queues], connection=conn, name=pod).work()
    else:
        app.conf.broker_url = url
        # Celery's warm shutdown on SIGTERM: the task in hand ends, then the worker
        app.worker_main(
            ["worker", "-Q", ",".join(queues), "--concurrency", "1", "--loglevel", "INFO",
             "-n", (pod or "worker") + "@%h", "--without-gossip", "--without-mingle"]
        )


STRANDED_MS = 30_000  # an entry pending this long at a consumer is taken over: its pod is gone


def streams_worker(url, stream, group):
    """XREADGROUP one entry at a time as consumer POD_NAME; on SIGTERM, the entry in hand is
    finished and acknowledged, then the consumer leaves the group if it holds nothing."""
    import signal

    from redis import Redis
    from redis.exceptions import ResponseError

    conn = Redis.from_url(url)
    me = os.environ.get("POD_NAME") or "worker"
    try:  # from the stream's start: entries added before any worker ran are work too
        conn.xgroup_create(stream, group, id="0", mkstream=True)
    except ResponseError as e:
        if "BUSYGROUP" not in str(e):
            raise
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    print(f"streams worker {me}: {stream} group {group}", flush=True)
    while not stopping:
        _, claimed, _ = conn.xautoclaim(stream, group, me, STRANDED_MS, "0-0", count=1)
        entries = claimed or [
            e for _, batch in conn.xreadgroup(group, me, {stream: ">"}, count=1, block=1000) or [] for e in batch
        ]
        for entry_id, fields in entries:
            time.sleep(float(fields[b"seconds"]))
            conn.hincrby("swell:done:streams", entry_id, 1)
            conn.xack(stream, group, entry_id)
    if conn.xpending_range(stream, group, "-", "+", 1, consumername=me) == []:
        conn.xgroup_delconsumer(stream, group, me)


def enqueue(kind, url, queue, n, seconds, priority=None):
    if kind == "streams":
        from redis import Redis

        conn = Redis.from_url(url)
        for _ in range(n):
            conn.xadd(queue, {"seconds": seconds})
    elif kind == "rq":
        from redis import Redis
        from rq import Queue

        q = Queue(queue, connection=Redis.from_url(url))
        for _ in range(n):
            q.enqueue("swell_tasks.rq_slow", seconds, job_timeout=600)
    else:
        app.conf.broker_url = url
        for _ in range(n):
            slow.apply_async((seconds,), queue=queue, priority=priority)


def rq_counts(url, queues):
    from redis import Redis
    from rq import Queue, Worker
    from rq.registry import StartedJobRegistry

    conn = Redis.from_url(url)
    waiting = sum(Queue(q, connection=conn).count for q in queues)
    started = sum(StartedJobRegistry(q, connection=conn).count for q in queues)
    busy = {}
    for w in Worker.all(connection=conn):
        if w.get_state() == "busy":
            busy[w.hostname] = busy.get(w.hostname, 0) + 1
    return {"waiting": waiting, "inFlight": started, "byPod": busy}


def celery_counts(url, queues):
    from amqp.exceptions import ChannelError

    app.conf.broker_url = url

    def size(channel, q):
        try:
            return channel.queue_declare(q, passive=True).message_count
        except ChannelError as e:  # 404: the Redis transport's answer for a queue emptied of all
            if "NOT_FOUND" not in str(e):
                raise
            return 0

    with app.connection_for_write() as conn:
        waiting = sum(size(conn.default_channel, q) for q in queues)
    inspect = app.control.inspect(timeout=0.5)
    active = inspect.active() or {}
    reserved = inspect.reserved() or {}
    in_flight = sum(len(v) for v in active.values()) + sum(len(v) for v in reserved.values())
    return {"waiting": waiting, "inFlight": in_flight, "byPod": {}}


def main():
    cmd, kind, url = sys.argv[1], sys.argv[2], resolve(sys.argv[3])
    if cmd == "worker" and kind == "streams":
        streams_worker(url, sys.argv[4], sys.argv[5])
        return
    if cmd == "worker":
        worker(kind, url, sys.argv[4:])
        return
    if cmd == "enqueue":
        priority = int(sys.argv[7]) if len(sys.argv) > 7 else None
        enqueue(kind, url, sys.argv[4], int(sys.argv[5]), float(sys.argv[6]), priority)
        return
    queues = sys.argv[4:]
    counts = rq_counts if kind == "rq" else celery_counts
    for _ in sys.stdin:
        print(json.dumps(counts(url, queues)), flush=True)


if __name__ == "__main__":
    main()
