// What the official-client benchmarks share: a client pointed at the local
// fal-compatible server, one job as an app would run it, and the figures in
// the same terms as the C benchmarks (monotonic µs, CPU seconds of this
// process, peak RSS).
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { createFalClient } from "@fal-ai/client";
import { readFileSync } from "node:fs";

// The key the local server is started with (see bench-common.h); it guards nothing.
const KEY = "bench-id:bench-secret";
export const ENDPOINT = "fal-ai/flux-pro/kontext/text-to-image";

export function parseArgs(argv) {
  const [base, ...rest] = argv;
  if (!base || !/^http:\/\/127\.0\.0\.1:\d+$/.test(base)) {
    throw new Error("usage: SCRIPT http://127.0.0.1:PORT [--name value]…");
  }
  const options = { base };
  for (let i = 0; i + 1 < rest.length; i += 2) {
    options[rest[i].replace(/^--/, "")] = rest[i + 1];
  }
  return options;
}

export function makeClient(base) {
  const local = new URL(base);
  return createFalClient({
    credentials: KEY,
    requestMiddleware: async (request) => {
      const url = new URL(request.url);
      url.protocol = local.protocol;
      url.host = local.host;
      return { ...request, url: url.toString() };
    },
  });
}

// Monotonic µs: hrtime is CLOCK_MONOTONIC on Linux, as g_get_monotonic_time().
export const nowUs = () => Number(process.hrtime.bigint() / 1000n);

export function clientVersion() {
  const url = new URL("./node_modules/@fal-ai/client/package.json", import.meta.url);
  return `@fal-ai/client ${JSON.parse(readFileSync(url, "utf8")).version}`;
}

// One job: subscribe in @mode with every other option at its default, then
// the first image's bytes. Resolves when both are in hand.
export async function runJob(fal, mode, prompt) {
  const options = { input: { prompt, aspect_ratio: "1:1", output_format: "jpeg", num_images: 1 } };
  if (mode === "streaming") options.mode = "streaming";
  const result = await fal.subscribe(ENDPOINT, options);
  const response = await fetch(result.data.images[0].url);
  if (!response.ok) throw new Error(`image download gave HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length < 1000 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error("the image is not a JPEG");
  return { requestId: result.requestId, doneUs: nowUs(), bytes: bytes.length };
}

export function describeMode(mode) {
  return mode === "streaming"
    ? 'fal.subscribe, mode: "streaming" (status stream)'
    : "fal.subscribe, default mode (polling, default pollInterval 500 ms)";
}

export function usage() {
  const cpu = process.cpuUsage();
  return {
    cpu_s: (cpu.user + cpu.system) / 1e6,
    peak_rss_mb: (process.resourceUsage().maxRSS * 1024) / 1e6,
  };
}
