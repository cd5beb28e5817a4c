package dev.swell.operator.api;

/** Whose Redis layout the worker's queue has (docs/api.md, "Queue types"). */
public enum QueueType {
  /** A plain list, with Swell's per-worker processing lists (the sample app's). */
  List,
  /** A Redis stream read through a consumer group. */
  Streams,
  /** RQ (Python). */
  RQ,
  /** Celery (Python) with the Redis broker. */
  Celery,
  /** BullMQ (Node.js). */
  BullMQ,
  /** Sidekiq (Ruby), 6.x with its open-source fetch. */
  Sidekiq
}
