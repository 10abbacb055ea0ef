// COMPLETED → result JSON and image bytes in hand, for the official client.
// Usage: node completion.mjs http://127.0.0.1:PORT --mode polling|streaming --jobs N --warmup W
// Runs the jobs one after another and prints one JSON object: each job's
// request id and the monotonic µs when its image bytes were in hand. The
// caller (bench-completion) takes the COMPLETED times from the server.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { clientVersion, describeMode, makeClient, parseArgs, runJob, usage } from "./common.mjs";

const options = parseArgs(process.argv.slice(2));
const mode = options.mode ?? "polling";
const jobs = Number(options.jobs ?? 50);
const warmup = Number(options.warmup ?? 2);
const fal = makeClient(options.base);

const measured = [];
let before;
for (let i = 0; i < warmup + jobs; i++) {
  if (i === warmup) before = usage();
  const job = await runJob(fal, mode, `A lighthouse at dusk, take ${i}`);
  if (i >= warmup) measured.push({ request_id: job.requestId, done_us: job.doneUs, bytes: job.bytes });
}

const after = usage();
console.log(JSON.stringify({
  client: clientVersion(),
  options: describeMode(mode),
  mode,
  cpu_ms_per_job: ((after.cpu_s - before.cpu_s) * 1000) / jobs,
  jobs: measured,
}));
