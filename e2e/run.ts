/**
 * `npm run e2e`: render the dev stack's Synapse + HAProxy configs, adapt them to loopback, run
 * PostgreSQL, Redis, an S3 server, Synapse main, one process of every worker type and HAProxy,
 * then drive real Matrix traffic through HAProxy and check who served each request.
 * Everything started is stopped at the end, on failure too.
 */
import * as fs from "fs";
import * as path from "path";
import { randomBytes } from "crypto";
import { planLoopback, type LoopbackPlan } from "./adapter";
import { PortAllocator, portFree } from "./ports";
import { reapStaleRuns, Supervisor } from "./procs";
import { stackInputs, type StackInputs } from "./render";
import { runScenario, type ScenarioReport } from "./scenario";
import { scrapeLoopback } from "./metrics";
import { rtcScenario, startRtcForScenario } from "./rtc-scenario";
import { antivirusScenario, startAntivirusForScenario } from "./antivirus-scenario";
import { keyStoreScenario, liEvidenceScenario, startKeyVaultForScenario, startLiForScenario } from "./li-scenario";
import { startTopology, type RunningTopology } from "./topology";
import { runWorkerOutage } from "./worker-outage";

/** Pre-allocates free loopback ports so the (pure, synchronous) adapter can take them one by one. */
export async function portPool(n: number): Promise<() => number> {
  const alloc = new PortAllocator();
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await alloc.take());
  let i = 0;
  return () => {
    if (i >= ports.length) throw new Error(`port pool of ${n} exhausted`);
    return ports[i++];
  };
}

export interface E2EResult {
  report: ScenarioReport;
  /** Metric names each scrape job exposed after the scenario (e2e/metrics.ts). */
  metrics: Record<"synapse" | "haproxy" | "redis", string[]>;
  plan: LoopbackPlan;
  timings: Record<string, number>;
  runDir: string;
  /** Process groups still alive after the stop (must be none). */
  survivors: string[];
  /** Loopback ports of the run still bound after the stop (must be none). */
  portsStillBound: number[];
  totalMs: number;
}

export const log = (m: string) => console.log(`[e2e ${new Date().toISOString().slice(11, 19)}] ${m}`);

/**
 * Runs `body` against a freshly started topology and always stops it, also when start-up or
 * the body fails, or when the overall deadline passes (then the error says so).
 */
export async function withTopology<T>(
  make: (runDir: string, nextPort: () => number) => LoopbackPlan,
  body: (topo: RunningTopology) => Promise<T>,
  opts: { deadlineMs?: number; sup?: Supervisor } = {},
): Promise<{ value: T; sup: Supervisor; plan: LoopbackPlan; timings: Record<string, number> }> {
  const sup = opts.sup ?? new Supervisor(Supervisor.freshRunDir());
  const plan = make(sup.runDir, await portPool(200));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`e2e deadline of ${opts.deadlineMs} ms passed; stopping everything`)), opts.deadlineMs ?? 600_000);
  });
  try {
    const work = (async () => {
      const topo = await startTopology(sup, plan, { log });
      const value = await body(topo);
      sup.assertAllRunning();
      return { value, timings: topo.timings };
    })();
    const { value, timings } = await Promise.race([work, deadline]);
    return { value, sup, plan, timings };
  } catch (e) {
    // A crashed process explains most failures: name it and show its log tail.
    const dead = sup.procs.filter((p) => p.exitInfo);
    const extra = dead.map((p) => `\n--- ${p.spec.name} exited ${JSON.stringify(p.exitInfo)}; log ${p.logFile}:\n${sup.tail(p, 15)}`).join("");
    (e as Error).message += extra + `\n(logs in ${sup.runDir}/logs)`;
    throw e;
  } finally {
    clearTimeout(timer);
    if (!opts.sup) await sup.stopAll();
  }
}

/** Every TCP port a plan's processes listen on. */
export function planPorts(plan: LoopbackPlan): number[] {
  const ports = [plan.postgres.port, plan.redis.port, ...(plan.s3 ? [plan.s3.port, plan.s3.consolePort] : [])];
  if (plan.sygnal) ports.push(plan.sygnal.httpPort, plan.sygnal.metricsPort, plan.sygnal.proxyPort);
  for (const u of [plan.haproxy.clientUrl, plan.haproxy.federationUrl, plan.haproxy.statsUrl]) ports.push(Number(new URL(u).port));
  const assigned = (plan.input.network as { assigned?: ReadonlyMap<string, Record<string, unknown>> }).assigned;
  for (const a of assigned?.values() ?? []) for (const [k, v] of Object.entries(a)) if (/Port$/.test(k) && typeof v === "number") ports.push(v);
  return ports;
}

/** Test secrets, fresh per run (the stack generates these with @pulumi/random). */
export function testSecrets(): Parameters<typeof planLoopback>[2]["secrets"] {
  const r = () => randomBytes(18).toString("hex");
  return { registration: r(), dbPassword: r(), redisPassword: r(), s3AccessKey: "e2e" + r().slice(0, 12), s3SecretKey: r(), turnSharedSecret: r() + r(), scanWorkerToken: r() + r(), keyVaultToken: r() + r() };
}

export function makePlan(inputs: StackInputs): (runDir: string, nextPort: () => number) => LoopbackPlan {
  return (runDir, nextPort) => planLoopback(inputs.synapse, inputs.haproxy, { runDir, nextPort, bridges: inputs.bridges, pushApps: inputs.pushApps, objectStoreTenant: inputs.objectStoreTenant, secrets: testSecrets() });
}

export async function runE2E(): Promise<E2EResult> {
  const t0 = Date.now();
  const reaped = reapStaleRuns();
  if (reaped.length) log(`removed ${reaped.length} stale run(s): ${reaped.join(", ")}`);
  // Main as a stack with LI deploys it: the key-store module, key_vault beside it (e2e/li-scenario.ts).
  const inputs = stackInputs("one-each", "dev", { li: true });
  log(`dev stack (${inputs.spec.ccu} CCU, ${inputs.sizing.profileLabel}): main + ${inputs.synapse.instances.length} workers: ${inputs.synapse.instances.map((i) => i.name).join(", ")}`);
  const sup = new Supervisor(Supervisor.freshRunDir());
  let result: Omit<E2EResult, "survivors" | "portsStillBound" | "totalMs"> | undefined;
  try {
    const out = await withTopology(makePlan(inputs), async (topo) => {
      // The calls side: coturn with the config rendered for the stack's realm and the secret
      // Synapse signs TURN credentials with; LiveKit and lk-jwt-service, which checks OpenID
      // tokens through the Gateway's routes (e2e/gateway.ts); checked by the scenario.
      const rtc = await startRtcForScenario(topo.sup, topo.plan, inputs.spec);
      // Every stored file passes the scan module: clamd and the scan worker run before any upload.
      const av = await startAntivirusForScenario(topo.sup, topo.plan);
      // LI: key_vault behind main's key-store module; LI's server with the sync's archive and
      // subscription in place before the scenario's first message.
      const kv = await startKeyVaultForScenario(topo.sup, topo.plan);
      const li = await startLiForScenario(topo.sup, topo.plan, topo.pg);
      const report = await runScenario(topo, log, async (ctx) => {
        await rtcScenario(ctx, rtc);
        if (kv) await keyStoreScenario(ctx, kv);
        // LI uploads a file (scanned like every upload), so it runs while clamd is up.
        if (li) await liEvidenceScenario(ctx, li);
        // Last of the uploads: it ends by stopping clamd (uploads fail closed from then on).
        if (av) await antivirusScenario(ctx, av);
      });
      // Scraped before the worker outage, so every process is the one the scenario drove.
      const metrics = await scrapeLoopback(topo.plan);
      // Last: it kills and restarts a worker, which nothing after it should have to allow for.
      report.checks.push(...(await runWorkerOutage(topo, log)));
      return { report, metrics };
    // LI adds a second PostgreSQL, key_vault's migrations, a refresh and synapse-li's start.
    }, { deadlineMs: 570_000, sup });
    result = { report: out.value.report, metrics: out.value.metrics, plan: out.plan, timings: out.timings, runDir: sup.runDir };
  } finally {
    await sup.stopAll();
    const survivors = sup.survivors();
    if (survivors.length) log(`WARNING: still alive after stop: ${survivors.join(", ")}`);
    log(`stopped ${sup.procs.length} processes; ${Date.now() - t0} ms in all; logs in ${sup.runDir}/logs`);
    const portsStillBound: number[] = [];
    if (result) for (const port of planPorts(result.plan)) if (!(await portFree(port))) portsStillBound.push(port);
    if (portsStillBound.length) log(`WARNING: ports still bound after stop: ${portsStillBound.join(", ")}`);
    if (result) return { ...result, survivors, portsStillBound, totalMs: Date.now() - t0 };
  }
  throw new Error("unreachable");
}

export function printReport(res: E2EResult): void {
  const rows = res.report.requests.map((r) => [r.label, `${r.method} ${r.path.replace(/![^/]+/g, "!room").replace(/@[^/]+/g, "@user").slice(0, 70)}`, String(r.status), `${r.backend}/${r.server}`, r.servedType]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i].length), 6));
  console.log(["request", "path", "status", "haproxy backend/server", "type (= catalogue)"].map((h, i) => h.padEnd(widths[i])).join("  "));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i])).join("  "));
  console.log("\nchecks:");
  for (const c of res.report.checks) console.log(`  ok  ${c}`);
  const types = new Map<string, number>();
  for (const r of res.report.requests) types.set(r.servedType, (types.get(r.servedType) ?? 0) + 1);
  console.log(`\n${res.report.requests.length} requests asserted; served by type: ${[...types].map(([t, n]) => `${t}=${n}`).join(", ")}`);
  console.log(`processes: ${res.plan.processes.length} Synapse + postgres, redis${res.plan.s3 ? ", s3" : ""}, haproxy`);
}

if (require.main === module) {
  runE2E()
    .then((res) => {
      printReport(res);
      fs.writeFileSync(path.join(res.runDir, "report.json"), JSON.stringify(res.report, null, 2));
      console.log("e2e: 1 passed, 0 failed");
      process.exit(0);
    })
    .catch((e) => {
      console.error(`e2e failed: ${(e as Error).stack ?? e}`);
      console.log("e2e: 0 passed, 1 failed");
      process.exit(1);
    });
}
