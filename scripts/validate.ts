/**
 * The validation gate: `npm run validate [-- <stack>...]`.
 *
 * Renders every preset stack under the mock engine (dev, prod, and prod-<cloud>-<profile> for the
 * three platforms and five CCU profiles), turns every registered Kubernetes object into a manifest
 * (stacks/manifests.ts, the same conversion `npm run plan` uses) and checks all of them:
 *
 *   kubeconform -strict   against the Kubernetes versions the stack's platform runs (EKS/GKE
 *                         version; oldest supported and newest for an existing cluster) and the
 *                         operators' CRD schemas; an object without a schema fails like an invalid one
 *   kube-score            no critical finding (ignored tests: .kube-score.yaml, each with a reason)
 *   checkov               no failed check (skipped checks: .checkov.yaml, each with a reason);
 *                         run once over all stacks, each in namespaces of its own, results mapped back
 *   pod security          every Namespace has enforce/audit/warn labels (weaker than restricted
 *                         only with a written reason, for operator/chart pods), every pod template
 *                         the program renders meets restricted in any namespace (host networking
 *                         alone excepted, in a privileged namespace whose reason names it), and
 *                         its scratch space is bounded (read-only root, sized emptyDirs)
 *   network               every namespace the stack puts objects in is created by the stack and
 *                         starts with a default-deny ingress+egress policy
 *
 * Nothing is listed by hand: the objects come from the recorded resources, so components added
 * later are checked automatically. Prints a line per stack and exits non-zero on any failure.
 * Tools and schemas come from scripts/provision.d/30-validators.sh.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { PROJECT, parseSpec } from "../config/parse";
import { PLATFORMS, PROFILE_NAMES, type PlatformKind } from "../config/keys";
import { VALIDATED_KUBERNETES_VERSIONS } from "../components/k8s/version";
import { EKS_VERSION } from "../components/platform/aws";
import { EXISTING_MIN_KUBERNETES } from "../components/platform/existing";
import { GKE_VERSION } from "../components/platform/gcp";
import { podSecurityViolations, podSpecOf, scratchSpaceViolations } from "../components/k8s/pod-security-check";
import type { PodSecurityLevel } from "../components/k8s/namespace";
import { size } from "../sizing";
import { runWithMocks, type RecordedResource } from "../stacks/mock-engine";
import { manifestYaml, manifestsFrom, type KubeObject } from "../stacks/manifests";
import { loadStackConfig, PROJECT_ROOT } from "../stacks/stack-config";
import { TOOL_CACHE } from "./tool-cache";

export const CACHE = TOOL_CACHE;
const BIN = path.join(CACHE, "bin");
const SCHEMAS = path.join(CACHE, "schemas");
const CHECKOV = path.join(CACHE, "checkov-venv", "bin", "checkov");

/** Every stack the gate covers: the two stack files and each profile on each platform in prod. */
export function allGateStacks(): string[] {
  return ["dev", "prod", ...PLATFORMS.flatMap((p) => PROFILE_NAMES.map((c) => `prod-${p}-${c}`))];
}

/**
 * Kubernetes versions a stack's objects must be valid for: the version EKS/GKE clusters are
 * created with; for an existing cluster, the oldest it may run and the newest validated.
 */
export function kubernetesVersionsFor(platform: PlatformKind): string[] {
  const newest = [...VALIDATED_KUBERNETES_VERSIONS].sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1])).at(-1)!;
  const versions = platform === "aws" ? [EKS_VERSION] : platform === "gcp" ? [GKE_VERSION] : [...new Set([EXISTING_MIN_KUBERNETES, newest])];
  for (const v of versions) {
    if (!VALIDATED_KUBERNETES_VERSIONS.includes(v)) throw new Error(`Kubernetes ${v} (${platform}) is not in VALIDATED_KUBERNETES_VERSIONS (components/k8s/version.ts)`);
  }
  return versions;
}

export interface RenderedStack {
  stack: string;
  platform: PlatformKind;
  resources: RecordedResource[];
  manifests: { path: string; object: KubeObject; source: string }[];
}

/** Runs the program for one stack under the mock engine and collects its manifests. */
export async function renderStack(stack: string): Promise<RenderedStack> {
  const { program } = await import("../program");
  const config = loadStackConfig(stack);
  const spec = parseSpec(config, stack);
  const run = await runWithMocks({ project: PROJECT, stack, config, program: () => program(spec, size(spec)) });
  const manifests = manifestsFrom(run.resources) as RenderedStack["manifests"];
  return { stack, platform: spec.platform, resources: run.resources, manifests };
}

export interface Finding {
  stack: string;
  tool: "kubeconform" | "kube-score" | "checkov" | "pod-security" | "network";
  /** `<namespace>/<kind>/<name>` or the file. */
  object: string;
  message: string;
}

export interface StackResult {
  stack: string;
  objects: number;
  /** Kubernetes versions the objects were validated for. */
  kubernetesVersions: string[];
  kubeconform: { valid: number; invalid: number; missingSchema: number };
  findings: Finding[];
}

export interface GateReport {
  stacks: StackResult[];
  /** Objects checkov scanned (all stacks). */
  checkovObjects: number;
  checkovSkipped: SkipEntry[];
  kubeScoreIgnored: SkipEntry[];
  kubeScoreFlags: SkipEntry[];
  ok: boolean;
}

export interface SkipEntry {
  id: string;
  reason: string;
}

function objectId(o: KubeObject): string {
  return `${o.metadata.namespace ?? "_cluster"}/${o.kind}/${o.metadata.name}`;
}

function tool(name: string): string {
  const p = path.join(BIN, name);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run \`npm run provision\` (scripts/provision.d/30-validators.sh)`);
  return p;
}

function run(cmd: string, args: string[], cwd?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// --- skip lists --------------------------------------------------------------------------------

/**
 * `.checkov.yaml` is checkov's own config file; every `skip-check` entry must carry its reason
 * as a trailing comment (`- CKV_K8S_43  # why`). Returns the entries, or throws naming the
 * entry without a reason or listed twice.
 */
export function readCheckovSkips(file = path.join(PROJECT_ROOT, ".checkov.yaml")): SkipEntry[] {
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const out: SkipEntry[] = [];
  let inSkips = false;
  for (const line of lines) {
    if (/^skip-check:\s*$/.test(line)) {
      inSkips = true;
      continue;
    }
    if (inSkips && /^\S/.test(line)) inSkips = false;
    if (!inSkips) continue;
    const m = /^\s*-\s*([A-Z0-9_]+)\s*(?:#\s*(.*))?$/.exec(line);
    if (!m) continue;
    if (!m[2]?.trim()) throw new Error(`.checkov.yaml: skipped check ${m[1]} has no reason (add "# why" after it)`);
    if (out.some((e) => e.id === m[1])) throw new Error(`.checkov.yaml: ${m[1]} is listed twice`);
    out.push({ id: m[1], reason: m[2].trim() });
  }
  return out;
}

/** Tests `.kube-score.yaml` exempts inside namespaces whose pods come from Helm charts. */
export function readHelmExemptions(file = path.join(PROJECT_ROOT, ".kube-score.yaml")): string[] {
  if (!fs.existsSync(file)) return [];
  return ((parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { generatedPodNamespacesExemptFrom?: string[] }).generatedPodNamespacesExemptFrom ?? [];
}

/**
 * Custom resources whose operator creates pods in the object's namespace. kube-score cannot see
 * those pods, nor the pods of Helm charts, so a NetworkPolicy selecting them looks empty to it.
 */
export const POD_CREATING_KINDS = new Set([
  "postgresql.cnpg.io/Cluster",
  "postgresql.cnpg.io/Pooler",
  "minio.min.io/Tenant",
  "monitoring.coreos.com/Prometheus",
  "monitoring.coreos.com/Alertmanager",
  "monitoring.coreos.com/PrometheusAgent",
  "monitoring.coreos.com/ThanosRuler",
  "gateway.networking.k8s.io/Gateway",
]);

/** Namespaces whose pods are created by Helm charts or operators rather than by the stack's own objects. */
export function generatedPodNamespaces(resources: RecordedResource[], objects: KubeObject[]): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    if (!/^kubernetes:helm\.sh\/v\d+:(Release|Chart)$/.test(r.type)) continue;
    const ns = r.inputs.namespace;
    if (typeof ns === "string") out.add(ns);
  }
  for (const o of objects) {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
    if (POD_CREATING_KINDS.has(`${group}/${o.kind}`) && o.metadata.namespace) out.add(o.metadata.namespace);
  }
  return out;
}

/** `.kube-score.yaml` `flags: [{flag, reason}]`: relaxing command-line options, each with a reason. */
export function readKubeScoreFlags(file = path.join(PROJECT_ROOT, ".kube-score.yaml")): SkipEntry[] {
  if (!fs.existsSync(file)) return [];
  const doc = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { flags?: { flag?: string; reason?: string }[] };
  return (doc.flags ?? []).map((e) => {
    if (!e.flag || !e.reason?.trim()) throw new Error(`.kube-score.yaml: flag ${e.flag ?? "?"} has no reason`);
    return { id: e.flag, reason: e.reason.trim() };
  });
}

/** `.kube-score.yaml`: `ignore: [{test, reason}]`, each test once, each with a reason. */
export function readKubeScoreIgnores(file = path.join(PROJECT_ROOT, ".kube-score.yaml")): SkipEntry[] {
  if (!fs.existsSync(file)) return [];
  const doc = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as { ignore?: { test?: string; reason?: string }[] };
  const out: SkipEntry[] = [];
  for (const e of doc.ignore ?? []) {
    if (!e.test) throw new Error(".kube-score.yaml: an ignore entry has no test");
    if (!e.reason?.trim()) throw new Error(`.kube-score.yaml: ignored test ${e.test} has no reason`);
    if (out.some((x) => x.id === e.test)) throw new Error(`.kube-score.yaml: ${e.test} is listed twice`);
    out.push({ id: e.test, reason: e.reason.trim() });
  }
  return out;
}

// --- tools ---------------------------------------------------------------------------------------

interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  version: string;
  status: "statusValid" | "statusInvalid" | "statusError" | "statusSkipped" | "statusEmpty";
  msg?: string;
}

/** kubeconform -strict over a directory: one entry per object. */
export function kubeconform(dir: string, kubernetesVersion: string): KubeconformResource[] {
  const r = run(tool("kubeconform"), [
    "-strict",
    "-summary",
    "-verbose",
    "-output", "json",
    "-kubernetes-version", `${kubernetesVersion}.0`,
    "-schema-location", `${SCHEMAS}/kubernetes/{{ .NormalizedKubernetesVersion }}-local{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json`,
    "-schema-location", `${SCHEMAS}/crds/{{ .ResourceKind }}-{{ .Group }}-{{ .ResourceAPIVersion }}.json`,
    dir,
  ]);
  const parsed = JSON.parse(r.stdout || "{}") as { resources?: KubeconformResource[] };
  if (!parsed.resources && r.status !== 0) throw new Error(`kubeconform failed: ${r.stderr}`);
  return parsed.resources ?? [];
}

interface KubeScoreObject {
  object_name: string;
  file_name?: string;
  object_meta?: { namespace?: string };
  checks: { check: { id: string; name: string }; grade: number; skipped: boolean; comments: { path?: string; summary?: string; description?: string }[] | null }[];
}

/** kube-score critical findings (grade 1) over the given files, minus the ignored tests. */
export function kubeScore(files: string[], ignored: string[], flags: string[] = []): { object: string; namespace?: string; test: string; message: string }[] {
  if (files.length === 0) return [];
  const args = ["score", "--output-format", "json", ...flags, ...ignored.flatMap((t) => ["--ignore-test", t]), ...files];
  const r = run(tool("kube-score"), args);
  let parsed: KubeScoreObject[];
  try {
    parsed = JSON.parse(r.stdout) as KubeScoreObject[];
  } catch {
    throw new Error(`kube-score failed (${r.status}): ${r.stderr || r.stdout.slice(0, 2000)}`);
  }
  const out: { object: string; namespace?: string; test: string; message: string }[] = [];
  for (const o of parsed ?? []) {
    for (const c of o.checks ?? []) {
      if (c.skipped || c.grade !== 1) continue;
      const detail = (c.comments ?? []).map((x) => [x.path, x.summary].filter(Boolean).join(": ")).join("; ");
      out.push({ object: o.object_name, namespace: o.object_meta?.namespace, test: c.check.id, message: `${c.check.name}${detail ? ` (${detail})` : ""}` });
    }
  }
  return out;
}

interface CheckovFailure {
  check_id: string;
  check_name: string;
  file_path: string;
  file_abs_path?: string;
  resource: string;
}

/** checkov (kubernetes framework) over a directory, with the project's config; failed checks. */
export function checkov(dir: string, configFile = path.join(PROJECT_ROOT, ".checkov.yaml")): CheckovFailure[] {
  if (!fs.existsSync(CHECKOV)) throw new Error(`${CHECKOV} is missing: run \`npm run provision\``);
  const args = ["-d", dir, "--framework", "kubernetes", "-o", "json", "--quiet", "--compact", "--skip-download"];
  if (fs.existsSync(configFile)) args.push("--config-file", configFile);
  const r = run(CHECKOV, args);
  if (!r.stdout.trim()) {
    if (r.status === 0) return []; // nothing to scan
    throw new Error(`checkov failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  }
  const parsed = JSON.parse(r.stdout) as unknown;
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as { check_type?: string; results?: { failed_checks?: CheckovFailure[] }; failed?: number }[];
  return reports.flatMap((x) => x.results?.failed_checks ?? []);
}

// --- the project's own checks ---------------------------------------------------------------

const PSS_LEVELS = ["restricted", "baseline", "privileged"];

/**
 * Pod Security labels on every Namespace (a level below restricted only with a written reason),
 * and every pod template the program renders within restricted, whatever its namespace's level.
 */
export function podSecurityFindings(stack: string, objects: KubeObject[]): Finding[] {
  const out: Finding[] = [];
  for (const o of objects.filter((x) => x.kind === "Namespace")) {
    const l = o.metadata.labels ?? {};
    const enforce = l["pod-security.kubernetes.io/enforce"];
    for (const mode of ["enforce", "audit", "warn"]) {
      if (!PSS_LEVELS.includes(l[`pod-security.kubernetes.io/${mode}`] ?? "")) {
        out.push({ stack, tool: "pod-security", object: objectId(o), message: `no pod-security.kubernetes.io/${mode} label (use StackNamespace)` });
      }
    }
    if (enforce && enforce !== "restricted" && !o.metadata.annotations?.["matrix-platform/pod-security-reason"]) {
      out.push({ stack, tool: "pod-security", object: objectId(o), message: `enforces "${enforce}" without a matrix-platform/pod-security-reason annotation` });
    }
  }
  const hostNetworkNamespaces = new Set(objects
    .filter((x) => x.kind === "Namespace" && x.metadata.labels?.["pod-security.kubernetes.io/enforce"] === "privileged" && x.metadata.annotations?.["matrix-platform/pod-security-reason"]?.includes("host networking"))
    .map((x) => x.metadata.name));
  for (const o of objects) {
    const pod = podSpecOf(o);
    if (!pod) continue;
    // Every pod template among these objects is written by this program, so it is held to
    // restricted whatever its namespace enforces: a namespace is lowered to baseline only for the
    // pods operators and Helm charts create at deploy time, which are not among these objects.
    // The one exception a namespace's written reason buys the program's own pods is host
    // networking (the media servers: LiveKit, coturn); everything else restricted demands holds.
    const level: PodSecurityLevel = "restricted";
    const hostNetworkAllowed = o.metadata.namespace !== undefined && hostNetworkNamespaces.has(o.metadata.namespace);
    for (const v of podSecurityViolations(pod, level)) {
      if (hostNetworkAllowed && v === "hostNetwork is true") continue;
      out.push({ stack, tool: "pod-security", object: objectId(o), message: `${level}: ${v}` });
    }
    for (const v of scratchSpaceViolations(pod)) out.push({ stack, tool: "pod-security", object: objectId(o), message: `scratch space: ${v}` });
  }
  return out;
}

/** Every namespace objects live in is the stack's own and starts from default-deny. */
export function networkFindings(stack: string, objects: KubeObject[]): Finding[] {
  const out: Finding[] = [];
  const created = new Set(objects.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
  const used = new Set(objects.filter((o) => o.metadata.namespace).map((o) => o.metadata.namespace!));
  for (const ns of [...used].sort()) {
    if (!created.has(ns)) out.push({ stack, tool: "network", object: ns, message: "objects are placed in a namespace the stack does not create (create it with StackNamespace)" });
  }
  for (const ns of [...created].sort()) {
    const denies = objects.some((o) => {
      if (o.kind !== "NetworkPolicy" || o.metadata.namespace !== ns) return false;
      const spec = (o.spec ?? {}) as { podSelector?: Record<string, unknown>; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] };
      const all = !spec.podSelector || (Object.keys(spec.podSelector).length === 0) ||
        (Object.keys((spec.podSelector as { matchLabels?: object }).matchLabels ?? {}).length === 0 && !(spec.podSelector as { matchExpressions?: unknown[] }).matchExpressions?.length);
      return all && (spec.policyTypes ?? []).includes("Ingress") && (spec.policyTypes ?? []).includes("Egress") && !(spec.ingress ?? []).length && !(spec.egress ?? []).length;
    });
    if (!denies) out.push({ stack, tool: "network", object: ns, message: "namespace has no default-deny ingress+egress NetworkPolicy (create it with StackNamespace)" });
  }
  return out;
}

// --- the gate --------------------------------------------------------------------------------------

export interface GateOptions {
  /** Where manifests are written (one folder per stack). */
  outDir?: string;
  /** Progress lines (default: stdout). */
  log?: (line: string) => void;
}

function writeYaml(file: string, obj: object): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, manifestYaml(obj));
}

/** Renders the stacks and runs every check; the report says what failed where. */
export async function runGate(stacks: string[], options: GateOptions = {}): Promise<GateReport> {
  const outDir = options.outDir ?? path.join(PROJECT_ROOT, "out", "validate");
  const log = options.log ?? ((l: string) => console.log(l));
  const checkovSkipped = readCheckovSkips();
  const kubeScoreIgnored = readKubeScoreIgnores();
  const helmExempt = readHelmExemptions();
  const kubeScoreFlags = readKubeScoreFlags();
  fs.rmSync(outDir, { recursive: true, force: true });

  const results: StackResult[] = [];
  // checkov is the slow one, so it runs once over all stacks. It identifies resources by
  // kind/namespace/name and keeps one per id, so each stack's objects are moved into namespaces
  // of their own (`<stack>--<namespace>`; cluster-scoped names get the prefix) — every stack's
  // variant of an object is checked, and graph checks (pod <-> NetworkPolicy) stay within a stack.
  const checkovDir = path.join(outDir, "_checkov");
  const checkovObjects = new Map<string, { stack: string; object: KubeObject }>();

  for (const stack of stacks) {
    const t0 = Date.now();
    const rendered = await renderStack(stack);
    const dir = path.join(outDir, stack);
    const files = rendered.manifests.map((m) => {
      const file = path.join(dir, m.path);
      writeYaml(file, m.object);
      return file;
    });
    const objects = rendered.manifests.map((m) => m.object);
    const findings: Finding[] = [];

    // An object counts as valid only if it is valid for every version the platform runs.
    const versions = kubernetesVersionsFor(rendered.platform);
    const invalid = new Set<string>();
    const missing = new Set<string>();
    for (const version of versions) {
      const kc = files.length ? kubeconform(dir, version) : [];
      for (const r of kc.filter((x) => x.status !== "statusValid")) {
        const id = `${path.relative(dir, r.filename)} ${r.kind}/${r.name}`;
        (/could not find schema/.test(r.msg ?? "") ? missing : invalid).add(id);
        findings.push({ stack, tool: "kubeconform", object: id, message: `Kubernetes ${version}: ${r.msg ?? r.status}` });
      }
      if (kc.length !== objects.length) {
        findings.push({ stack, tool: "kubeconform", object: dir, message: `Kubernetes ${version}: checked ${kc.length} objects, expected ${objects.length}` });
      }
    }
    const valid = objects.length - new Set([...invalid, ...missing]).size;
    const helmNs = generatedPodNamespaces(rendered.resources, objects);
    for (const f of kubeScore(files, kubeScoreIgnored.map((e) => e.id), kubeScoreFlags.map((e) => e.id))) {
      if (f.namespace && helmNs.has(f.namespace) && helmExempt.includes(f.test)) continue;
      findings.push({ stack, tool: "kube-score", object: f.object, message: `${f.test}: ${f.message}` });
    }
    findings.push(...podSecurityFindings(stack, objects), ...networkFindings(stack, objects));

    objects.forEach((o, i) => {
      const moved = { ...o, metadata: { ...o.metadata } };
      if (o.metadata.namespace) moved.metadata.namespace = `${stack}--${o.metadata.namespace}`;
      else moved.metadata.name = `${stack}--${o.metadata.name}`;
      const file = path.join(checkovDir, stack, `${i}.yaml`);
      writeYaml(file, moved);
      checkovObjects.set(file, { stack, object: o });
    });
    results.push({
      stack,
      objects: objects.length,
      kubernetesVersions: versions,
      kubeconform: { valid, invalid: invalid.size, missingSchema: missing.size },
      findings,
    });
    log(`  rendered ${stack}: ${objects.length} objects (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }

  if (checkovObjects.size > 0) {
    const t0 = Date.now();
    const failures = checkov(checkovDir);
    for (const f of failures) {
      const file = f.file_abs_path ?? path.join(checkovDir, f.file_path);
      const hit = checkovObjects.get(path.resolve(file));
      if (!hit) throw new Error(`checkov reported ${f.check_id} on ${file}, which the gate did not write`);
      results.find((r) => r.stack === hit.stack)!.findings.push({ stack: hit.stack, tool: "checkov", object: objectId(hit.object), message: `${f.check_id}: ${f.check_name}` });
    }
    log(`  checkov: ${checkovObjects.size} objects, ${failures.length} failed checks (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }

  return { stacks: results, checkovObjects: checkovObjects.size, checkovSkipped, kubeScoreIgnored, kubeScoreFlags, ok: results.every((r) => r.findings.length === 0) };
}

/** The per-stack table and every finding, as printed by the CLI. */
export function formatReport(report: GateReport): string {
  const lines: string[] = [];
  const count = (r: StackResult, t: Finding["tool"]) => r.findings.filter((f) => f.tool === t).length;
  const w = Math.max(5, ...report.stacks.map((r) => r.stack.length));
  lines.push(`${"stack".padEnd(w)}  objects  k8s versions  kubeconform(valid/invalid/no-schema)  kube-score  checkov  pod-security  network`);
  for (const r of report.stacks) {
    lines.push(
      `${r.stack.padEnd(w)}  ${String(r.objects).padStart(7)}  ${r.kubernetesVersions.join(",").padStart(12)}  ${`${r.kubeconform.valid}/${r.kubeconform.invalid}/${r.kubeconform.missingSchema}`.padStart(35)}  ${String(count(r, "kube-score")).padStart(10)}  ${String(count(r, "checkov")).padStart(7)}  ${String(count(r, "pod-security")).padStart(12)}  ${String(count(r, "network")).padStart(7)}`,
    );
  }
  const total = report.stacks.reduce((s, r) => s + r.objects, 0);
  lines.push(`${report.stacks.length} stacks, ${total} objects (${report.checkovObjects} through checkov)`);
  lines.push(`checkov checks skipped (.checkov.yaml): ${report.checkovSkipped.map((e) => e.id).join(", ") || "none"}`);
  lines.push(`kube-score tests ignored (.kube-score.yaml): ${[...report.kubeScoreIgnored, ...report.kubeScoreFlags].map((e) => e.id).join(", ") || "none"}`);
  const findings = report.stacks.flatMap((r) => r.findings);
  if (findings.length) {
    // The same finding usually repeats across stacks: print each once, with the stacks it hits.
    const grouped = new Map<string, string[]>();
    for (const f of findings) {
      const k = `[${f.tool}] ${f.object}: ${f.message}`;
      grouped.set(k, [...(grouped.get(k) ?? []), f.stack]);
    }
    lines.push("", `FAILED: ${findings.length} findings (${grouped.size} distinct)`);
    for (const [k, s] of grouped) lines.push(`  ${k}  {${s.length === report.stacks.length ? "all stacks" : s.join(", ")}}`);
  } else {
    lines.push("", "OK: every object valid, no critical kube-score finding, no failed checkov check");
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const stacks = args.length ? args : allGateStacks();
  console.log(`validate: ${stacks.length} stacks against Kubernetes ${VALIDATED_KUBERNETES_VERSIONS.join(", ")} (per platform) and the operators' CRDs`);
  // Render into a directory of this run's own (several people may validate on one machine at
  // once), then make it out/validate for reading.
  const finalDir = path.join(PROJECT_ROOT, "out", "validate");
  fs.mkdirSync(path.dirname(finalDir), { recursive: true });
  const runDir = fs.mkdtempSync(`${finalDir}.run-`);
  let report: GateReport;
  try {
    report = await runGate(stacks, { outDir: runDir });
  } catch (e) {
    fs.rmSync(runDir, { recursive: true, force: true });
    throw e;
  }
  fs.rmSync(finalDir, { recursive: true, force: true });
  fs.renameSync(runDir, finalDir);
  console.log(formatReport(report));
  console.log(`manifests: ${path.relative(process.cwd(), finalDir)}/<stack>/`);
  process.exit(report.ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(2);
  });
}
