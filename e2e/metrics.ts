/**
 * Metric names the loopback topology really exposes: every Synapse process's metrics listener
 * and HAProxy's built-in exporter, scraped after the scenario has driven traffic through them (some
 * series appear only once their code path has run). What the monitoring system's alerts and
 * dashboards read is checked against these (components/monitoring/metric-sources.ts).
 */
import type { LoopbackPlan } from "./adapter";

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

/** Metric names per scrape job (`synapse`, `haproxy`), as the loopback processes expose them now. */
export async function scrapeLoopback(plan: LoopbackPlan): Promise<Record<string, string[]>> {
  const assigned = (plan.input.network as { assigned?: ReadonlyMap<string, { host: string; metricsPort: number }> }).assigned;
  if (!assigned?.size) throw new Error("the loopback plan names no metrics listeners");
  const synapse = new Set<string>();
  for (const a of assigned.values()) for (const n of await scrape(`http://${a.host}:${a.metricsPort}/_synapse/metrics`)) synapse.add(n);
  const haproxy = await scrape(`${plan.haproxy.statsUrl}/metrics`);
  return { synapse: [...synapse].sort(), haproxy: [...haproxy].sort() };
}
