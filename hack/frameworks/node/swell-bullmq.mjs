// BullMQ side of the queue-type contract tests (operator FrameworkQueuesTest).
//   node swell-bullmq.mjs enqueue URL QUEUE N MILLIS      add N jobs that take MILLIS each
//   node swell-bullmq.mjs worker URL QUEUE NAME           a Worker named NAME (a pod's name), concurrency 1
//   node swell-bullmq.mjs counts URL QUEUE                a JSON line of BullMQ's own counts per line on stdin
// URL "env" means Swell's environment contract: REDIS_URL with REDIS_PASSWORD. Each job that ends
// counts itself in the hash swell:done:bullmq (job id -> times done).
import { Queue, Worker } from "bullmq";
import IORedis from "ioredis";
import readline from "node:readline";

const [cmd, given, name, ...rest] = process.argv.slice(2);
const url = given === "env" ? process.env.REDIS_URL : given;
// in an ES module BullMQ takes a client, not connection options
const connection = new IORedis(url, {
  maxRetriesPerRequest: null,
  password: given === "env" ? process.env.REDIS_PASSWORD || undefined : undefined,
});

if (cmd === "enqueue") {
  const queue = new Queue(name, { connection });
  const [n, millis] = rest.map(Number);
  await queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: "slow", data: { i, millis } })));
  await queue.close();
  await connection.quit();
} else if (cmd === "worker") {
  const worker = new Worker(
    name,
    async (job) => {
      await new Promise((done) => setTimeout(done, job.data.millis));
      await connection.hincrby("swell:done:bullmq", job.id, 1);
    },
    { connection, name: rest[0] || process.env.POD_NAME, concurrency: 1 },
  );
  process.on("SIGTERM", async () => { await worker.close(); process.exit(0); });
  console.log("ready");
} else if (cmd === "counts") {
  const queue = new Queue(name, { connection });
  for await (const _ of readline.createInterface({ input: process.stdin })) {
    const c = await queue.getJobCounts("wait", "prioritized", "active");
    const byPod = {};
    for (const job of await queue.getActive()) {
      if (job.processedBy) byPod[job.processedBy] = (byPod[job.processedBy] || 0) + 1;
    }
    console.log(JSON.stringify({ waiting: c.wait + c.prioritized, inFlight: c.active, byPod }));
  }
  await queue.close();
  await connection.quit();
}
