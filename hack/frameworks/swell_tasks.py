"""Tasks and a counts probe for the queue-type contract tests (operator FrameworkQueuesTest).

    python swell_tasks.py enqueue rq|celery URL QUEUE N SECONDS   enqueue N tasks that sleep
    python swell_tasks.py counts rq|celery URL QUEUE...           a JSON line of the framework's
                                                                   own counts per line on stdin
Celery workers: celery -A swell_tasks worker ... (REDIS_URL in the environment).
RQ workers: rq worker --url URL QUEUE (this directory on PYTHONPATH).
"""
import json
import os
import sys
import time

from celery import Celery

app = Celery("swell_tasks", broker=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
# acks_late: a task stays unacked while it runs, so the broker holds what is in flight;
# prefetch 1: a worker reserves no task beyond the one it runs
app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True)


@app.task(name="slow")
def slow(seconds):
    time.sleep(seconds)
    return seconds


def rq_slow(seconds):
    time.sleep(seconds)
    return seconds


def enqueue(kind, url, queue, n, seconds):
    if kind == "rq":
        from redis import Redis
        from rq import Queue

        q = Queue(queue, connection=Redis.from_url(url))
        for _ in range(n):
            q.enqueue("swell_tasks.rq_slow", seconds, job_timeout=600)
    else:
        app.conf.broker_url = url
        for _ in range(n):
            slow.apply_async((seconds,), queue=queue)


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
    cmd, kind, url = sys.argv[1], sys.argv[2], sys.argv[3]
    if cmd == "enqueue":
        enqueue(kind, url, sys.argv[4], int(sys.argv[5]), float(sys.argv[6]))
        return
    queues = sys.argv[4:]
    counts = rq_counts if kind == "rq" else celery_counts
    for _ in sys.stdin:
        print(json.dumps(counts(url, queues)), flush=True)


if __name__ == "__main__":
    main()
