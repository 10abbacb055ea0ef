// Many jobs at once (or one after another) with the official client.
// Usage: node concurrency.mjs http://127.0.0.1:PORT --mode polling|streaming --phase single|batch --jobs N
// Prints one JSON object: each job's time from its start to its image bytes
// in hand, the wall time from the first start to the last image, and this
// process's CPU seconds over the phase and peak RSS.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { clientVersion, describeMode, makeClient, nowUs, parseArgs, runJob, usage } from "./common.mjs";

const options = parseArgs(process.argv.slice(2));
const mode = options.mode ?? "polling";
const phase = options.phase ?? "batch";
const jobs = Number(options.jobs ?? 32);
const fal = makeClient(options.base);

const timed = async (i) => {
  const start = nowUs();
  const job = await runJob(fal, mode, `A red bicycle against a blue wall, ${phase} ${i}`);
  return { start, done: job.doneUs };
};

const before = usage();
const first = nowUs();
let results = [];
if (phase === "batch") {
  results = await Promise.all(Array.from({ length: jobs }, (_, i) => timed(i)));
} else {
  for (let i = 0; i < jobs; i++) results.push(await timed(i));
}
const after = usage();
const last = Math.max(...results.map((r) => r.done));

console.log(JSON.stringify({
  client: `${clientVersion()}, ${describeMode(mode)}`,
  durations_ms: results.map((r) => (r.done - r.start) / 1000),
  wall_ms: (last - first) / 1000,
  first_start_us: first,
  cpu_s: after.cpu_s - before.cpu_s,
  peak_rss_mb: after.peak_rss_mb,
}));
