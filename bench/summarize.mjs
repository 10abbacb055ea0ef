// Collects the benchmarks' JSON (completion.json, concurrency.json,
// idle.json, reference.json in DIR) into one object on stdout, and prints
// one summary line per benchmark on stderr.
// Usage: node bench/summarize.mjs DIR. Exit status 1 when a target was missed.
//
// SPDX-License-Identifier: GPL-3.0-or-later

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
const names = ["completion", "concurrency", "idle", "reference"];
const all = { machine: { cpus: (await import("node:os")).cpus().length, loadavg: (await import("node:os")).loadavg() } };
const lines = [];
const ms = (v) => (v == null ? "?" : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
const yes = (v) => (v ? "met" : "MISSED");

for (const name of names) {
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) {
    all[name] = { error: "did not run" };
    lines.push(`${name}: did not run`);
    continue;
  }
  const r = JSON.parse(readFileSync(file, "utf8"));
  all[name] = r;
  if (name === "completion") {
    const o = r.ours.completed_to_saved;
    const p = r.official_polling?.completed_to_bytes;
    const s = r.official_streaming?.completed_to_bytes;
    lines.push(`completion: ours median ${ms(o.median_ms)}, p95 ${ms(o.p95_ms)} (≤ ${r.targets.median_ms_max} / ${r.targets.p95_ms_max} ms); ` +
      `official polling median ${ms(p?.median_ms)} (×${r.ratios.official_polling_median_over_ours.toFixed(1)}), ` +
      `streaming ${ms(s?.median_ms)} (×${r.ratios.official_streaming_median_over_ours.toFixed(2)}) — ${yes(r.met_all)}`);
  } else if (name === "concurrency") {
    const part = (k, label) => {
      const c = r[k];
      if (!c || c.error) return `${label}: ${c?.error ?? "not run"}`;
      return `${label} ${c.jobs ?? r.jobs} at once ${ms(c.batch_wall_ms)} / slowest single ${ms(c.slowest_single_ms)} = ` +
        `${c.batch_over_slowest_single.toFixed(2)}, ${c.batch_connections} connections, ${c.batch_cpu_s.toFixed(2)} CPU s, ` +
        `${c.batch_peak_rss_mb.toFixed(0)} MB peak`;
    };
    lines.push(`concurrency (≤ ${r.target_batch_over_slowest_single_max}): ${part("ours", "ours")}; ` +
      `${part("official_polling", "official polling")}; ${part("official_streaming", "official streaming")} — ${yes(r.met_all)}`);
  } else if (name === "idle") {
    const part = (k) => r[k] ? `${k} ${r[k].core_percent.toFixed(3)} % of a core, ${r[k].wakeups_per_s.toFixed(1)} wakeups/s, ` +
      `${r[k].status_requests} status requests` : `${k} not run`;
    lines.push(`idle (${r.jobs} jobs, ${r.seconds} s, < ${r.target_core_percent_max} %): ${part("stream")}; ${part("polling")} — ${yes(r.met_all)}`);
  } else if (name === "reference") {
    const part = (k) => {
      const x = r[k];
      if (!x || typeof x.result !== "object") return `${k}: ${x?.result ?? "not run"}`;
      return `${k} → ${(x.result.bytes_sent / 1e6).toFixed(2)} MB ${x.result.mime_type} in ${ms(x.result.median_ms)}, ` +
        `+${x.result.peak_rss_growth_mb.toFixed(0)} MB peak`;
    };
    lines.push(`reference: ${part("jpeg_24mp")}; ${part("png_50mp")} — ${yes(r.met_all)}`);
  }
}

all.met_all = names.every((n) => all[n]?.met_all === true);
for (const line of lines) console.error(line);
console.log(JSON.stringify(all, null, 2));
process.exit(all.met_all ? 0 : 1);
