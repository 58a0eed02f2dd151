/**
 * The antivirus part of the e2e scenario, through the generated HAProxy: Debian's clamd on the
 * rendered clamd.conf with the test's EICAR signature database, the scan worker from its venv,
 * and Synapse's media module (loaded by the rendered config) between them. Uploading the EICAR
 * file is refused with the module's 403 and leaves no new object in the S3 bucket; a clean file
 * is stored and downloads intact; with clamd stopped an upload is refused with the module's 503
 * (fail closed).
 */
import { randomBytes } from "crypto";
import * as path from "path";
import type { LoopbackPlan } from "./adapter";
import { counter, EICAR, planClamd, planScanWorker, startClamd, startScanWorker, TEST_SIGNATURE, type ClamdPlan } from "./antivirus";
import type { Proc, Supervisor } from "./procs";
import type { ScenarioContext } from "./scenario";
import { SCAN_TIMEOUT_SECONDS } from "../render/antivirus";

export interface AntivirusForScenario {
  clamd: Proc;
  clamdPlan: ClamdPlan;
  metricsPort: number;
}

export async function startAntivirusForScenario(sup: Supervisor, plan: LoopbackPlan): Promise<AntivirusForScenario | undefined> {
  const av = plan.antivirus;
  if (!av) return undefined;
  const clamdPlan = planClamd(path.join(plan.runDir, "clamd"), av.clamdPort, plan.input.maxUploadBytes);
  const clamd = await startClamd(sup, clamdPlan);
  const sw = planScanWorker(path.join(plan.runDir, "scan-worker"), { http: av.scanPort, metrics: av.metricsPort, clamd: av.clamdPort }, plan.input.maxUploadBytes, SCAN_TIMEOUT_SECONDS.worker);
  // The token Synapse's module reads from its token_path, not a fresh one.
  sw.env.SCAN_WORKER_TOKEN_FILE = av.tokenFile;
  await startScanWorker(sup, sw);
  return { clamd, clamdPlan, metricsPort: av.metricsPort };
}

export async function antivirusScenario(ctx: ScenarioContext, av: AntivirusForScenario): Promise<void> {
  const { http, alice, bob, checks, topo } = ctx;
  const bucket = topo.plan.s3?.buckets[0];
  const objects = async () => (bucket && topo.objectStore ? (await topo.objectStore.objects(bucket)).map((o) => o.key) : []);
  const upload = (label: string, body: Buffer, ok: number[]) => http.call("POST", "/_matrix/media/v3/upload", {
    label, token: alice.accessToken, raw: body, contentType: "application/octet-stream", query: { filename: "file.bin" }, ok,
  });

  const before = await objects();
  const infected = await upload("upload EICAR (refused)", Buffer.from(EICAR), [403]);
  if (infected.json?.errcode !== "M_FORBIDDEN" || !String(infected.json?.error).includes(TEST_SIGNATURE)) {
    throw new Error(`the EICAR upload was not refused with the module's error: ${infected.buf.toString("utf8")}`);
  }
  const after = await objects();
  if (after.length !== before.length) throw new Error(`the refused upload left objects in s3://${bucket}: ${after.filter((k) => !before.includes(k)).join(", ")}`);
  checks.push(`EICAR upload refused by the scan module: 403 ${infected.json.errcode} "${infected.json.error}"; s3://${bucket} unchanged (${after.length} objects)`);

  const clean = randomBytes(32 * 1024);
  const up = await upload("upload clean file (scanned)", clean, [200]);
  const [server, mediaId] = String(up.json.content_uri).replace("mxc://", "").split("/");
  const down = await http.call("GET", `/_matrix/client/v1/media/download/${server}/${mediaId}`, { label: "download scanned file", token: bob.accessToken });
  if (!down.buf.equals(clean)) throw new Error("the scanned clean file does not download intact");
  const metrics = await (await fetch(`http://127.0.0.1:${av.metricsPort}/metrics`)).text();
  const scanned = counter(metrics, "scan_worker_scanned_total");
  const infectedCount = counter(metrics, "scan_worker_infected_total");
  if (infectedCount < 1 || scanned < 2) throw new Error(`scan worker counted ${scanned} scans, ${infectedCount} infected`);
  checks.push(`a clean file passed the scan and downloads intact (${clean.length} bytes); the scan worker counted ${scanned} scans, ${infectedCount} infected`);

  await topo.sup.stop(av.clamd);
  const closed = await upload("upload with clamd stopped (refused)", randomBytes(1024), [503]);
  if (!String(closed.json?.error).includes("scanner is unavailable")) throw new Error(`fail-closed answer: ${closed.buf.toString("utf8")}`);
  checks.push(`with clamd stopped an upload is refused (fail closed): 503 "${closed.json.error}"`);
}
