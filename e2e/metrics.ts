/**
 * Metric names the loopback topology really exposes: every Synapse process's metrics listener,
 * HAProxy's built-in exporter and redis_exporter against the run's Redis, scraped after the scenario has driven traffic through them (some
 * series appear only once their code path has run). What the monitoring system's alerts and
 * dashboards read is checked against these (components/monitoring/metric-sources.ts).
 */
import { spawn } from "child_process";
import type { LoopbackPlan } from "./adapter";
import { PortAllocator } from "./ports";

/** Debian's redis_exporter (prometheus-redis-exporter, scripts/provision.d/60-monitoring.sh). */
const REDIS_EXPORTER = "/usr/bin/prometheus-redis-exporter";

/** Names of the samples in a Prometheus text exposition (`_bucket`, `_sum`, `_count` included as exposed). */
export function exposedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (m) out.add(m[1]);
  }
  return out;
}

async function scrape(url: string): Promise<Set<string>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`scrape of ${url}: HTTP ${res.status}`);
  return exposedNames(await res.text());
}

/**
 * redis_exporter against the run's Redis, for one scrape: started on a free loopback port,
 * waited on, scraped, stopped (its own process group, killed in `finally`).
 */
async function scrapeRedisExporter(plan: LoopbackPlan): Promise<Set<string>> {
  const port = await new PortAllocator().take();
  const proc = spawn(REDIS_EXPORTER, [`-redis.addr=redis://127.0.0.1:${plan.redis.port}`, `-web.listen-address=127.0.0.1:${port}`], {
    env: { ...process.env, REDIS_PASSWORD: plan.redis.password },
    stdio: "ignore",
    detached: true,
  });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const names = await scrape(`http://127.0.0.1:${port}/metrics`);
        if (names.has("redis_up")) return names;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`redis_exporter did not answer on ${port}: ${(e as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    try {
      process.kill(-proc.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Metric names per loopback scrape (`synapse`, `haproxy`, `redis`), as the processes expose them now. */
export async function scrapeLoopback(plan: LoopbackPlan): Promise<Record<"synapse" | "haproxy" | "redis", string[]>> {
  const assigned = (plan.input.network as { assigned?: ReadonlyMap<string, { host: string; metricsPort: number }> }).assigned;
  if (!assigned?.size) throw new Error("the loopback plan names no metrics listeners");
  const synapse = new Set<string>();
  for (const a of assigned.values()) for (const n of await scrape(`http://${a.host}:${a.metricsPort}/_synapse/metrics`)) synapse.add(n);
  const haproxy = await scrape(`${plan.haproxy.statsUrl}/metrics`);
  const redis = await scrapeRedisExporter(plan);
  return { synapse: [...synapse].sort(), haproxy: [...haproxy].sort(), redis: [...redis].sort() };
}
