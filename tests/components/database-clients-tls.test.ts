/**
 * Every PostgreSQL client the whole program deploys verifies its server, on each platform (mock
 * engine, with LI): each connection setting a pod carries (Synapse's and synapse-li's
 * database.args, the bridges' URI, key_vault's and the LI sync's environment, postgres_exporter's
 * DATA_SOURCE_URI, the publisher's PGSSLMODE) is verify-full (existing cluster, AWS) or verify-ca
 * (GCP), and its sslrootcert is a file the pod mounts from a ConfigMap or trust Certificate that
 * holds the server's CA. The platform's own bootstrap Jobs (RDS) verify too.
 */
import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import { unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { LI_ON, ofType, runStack, type StackRun } from "../helpers/run-stack";

type Obj = Record<string, any>;
const meta = (r: RecordedResource) => r.inputs.metadata as Obj;
const WORKLOADS = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:batch/v1:Job", "kubernetes:batch/v1:CronJob"];

/** Every file the pod's volumes put at a path, as the object (ConfigMap / Secret) and key it comes from. */
function mountedFiles(pod: Obj, container: Obj): Map<string, { kind: "configMap" | "secret"; name: string; key: string }> {
  const files = new Map<string, { kind: "configMap" | "secret"; name: string; key: string }>();
  for (const m of (container.volumeMounts ?? []) as Obj[]) {
    const v = (pod.volumes as Obj[]).find((x) => x.name === m.name);
    const sources: Obj[] = v?.projected ? v.projected.sources : v ? [v] : [];
    for (const s of sources) {
      for (const kind of ["configMap", "secret"] as const) {
        const src = s[kind];
        if (!src?.items) continue;
        for (const i of src.items as Obj[]) files.set(`${m.mountPath}/${i.path}`, { kind, name: src.name ?? src.secretName, key: i.key });
      }
    }
  }
  return files;
}

/** The connection settings a container carries: [what, sslmode, sslrootcert]. */
function connections(run: StackRun, r: RecordedResource, container: Obj): [string, string, string | undefined][] {
  const env = Object.fromEntries(((container.env ?? []) as Obj[]).filter((e) => typeof e.value === "string").map((e) => [e.name, e.value as string]));
  const out: [string, string, string | undefined][] = [];
  for (const [mode, cert] of [["MAIN_SSLMODE", "MAIN_SSLROOTCERT"], ["LI_SSLMODE", "LI_SSLROOTCERT"], ["PGSSLMODE", "PGSSLROOTCERT"], ["KEY_VAULT_DB_SSLMODE", "KEY_VAULT_DB_SSLROOTCERT"]]) {
    if (env[mode]) out.push([`${r.name} ${mode}`, env[mode], env[cert]]);
  }
  if (env.DATA_SOURCE_URI) {
    const q = new URLSearchParams(env.DATA_SOURCE_URI.split("?")[1]);
    out.push([`${r.name} DATA_SOURCE_URI`, q.get("sslmode")!, q.get("sslrootcert") ?? undefined]);
  }
  // Config files the pod mounts from a Secret or ConfigMap: Synapse's and synapse-li's database.args, the bridges' URI.
  const ns = meta(r).namespace;
  for (const m of (container.volumeMounts ?? []) as Obj[]) {
    const pod = specOf(r);
    const v = (pod.volumes as Obj[]).find((x) => x.name === m.name);
    const secretName = v?.secret?.secretName;
    const mapName = v?.configMap?.name;
    if (!secretName && !mapName) continue;
    const source = secretName
      ? ofType(run, "kubernetes:core/v1:Secret").find((s) => meta(s).name === secretName && meta(s).namespace === ns)?.inputs.stringData
      : ofType(run, "kubernetes:core/v1:ConfigMap").find((s) => meta(s).name === mapName && meta(s).namespace === ns)?.inputs.data;
    const data = unwrapSecrets(source) as Obj | undefined;
    for (const [file, text] of Object.entries(data ?? {})) {
      if (!/\.yaml$/.test(file)) continue;
      const doc = parseYaml(String(text)) as Obj;
      if (doc?.database?.args?.sslmode) out.push([`${r.name} ${file}`, doc.database.args.sslmode, doc.database.args.sslrootcert]);
      if (typeof doc?.database?.uri === "string") {
        const u = new URL(doc.database.uri);
        out.push([`${r.name} ${file}`, u.searchParams.get("sslmode")!, u.searchParams.get("sslrootcert") ?? undefined]);
      }
    }
  }
  return out;
}

function specOf(r: RecordedResource): Obj {
  const spec = r.inputs.spec as Obj;
  return spec.template?.spec ?? spec.jobTemplate.spec.template.spec;
}

/** The CA text an object holds under a key: a ConfigMap's data, or (a trust Certificate's Secret) the issuer's name. */
function caOf(run: StackRun, namespace: string, f: { kind: "configMap" | "secret"; name: string; key: string }): string {
  if (f.kind === "configMap") {
    const cm = ofType(run, "kubernetes:core/v1:ConfigMap").find((c) => meta(c).name === f.name && meta(c).namespace === namespace);
    assert.ok(cm, `ConfigMap ${namespace}/${f.name}`);
    return String((unwrapSecrets(cm.inputs.data) as Obj)[f.key]);
  }
  const cert = ofType(run, "kubernetes:cert-manager.io/v1:Certificate").find((c) => (c.inputs.spec as Obj).secretName === f.name && meta(c).namespace === namespace);
  assert.ok(cert, `trust Certificate for ${namespace}/${f.name}`);
  assert.equal(f.key, "ca.crt", "only the CA of the trust certificate");
  return `issuer:${(cert.inputs.spec as Obj).issuerRef.name}`;
}

describe("every PostgreSQL client verifies its server (whole program, mock engine)", function () {
  this.timeout(300_000);
  for (const [stack, mode] of [["prod-existing-1k", "verify-full"], ["prod-aws-1k", "verify-full"], ["prod-gcp-1k", "verify-ca"]] as const) {
    it(`${stack}: ${mode}, sslrootcert a file the pod mounts holding the server's CA`, async () => {
      const run = await runStack(stack, LI_ON);
      const seen = new Set<string>();
      for (const r of WORKLOADS.flatMap((t) => ofType(run, t))) {
        const pod = specOf(r);
        for (const c of [...(pod.initContainers ?? []), ...pod.containers] as Obj[]) {
          const files = mountedFiles(pod, c);
          for (const [what, sslmode, rootcert] of connections(run, r, c)) {
            seen.add(what.split(" ")[0].replace(/^matrix-synapse-.*$/, "synapse"));
            assert.equal(sslmode, mode, what);
            assert.ok(rootcert, `${what}: sslrootcert`);
            const f = files.get(rootcert);
            assert.ok(f, `${what}: ${rootcert} is mounted in the pod (${[...files.keys()].join(", ")})`);
            const ca = caOf(run, meta(r).namespace, f);
            if (stack === "prod-existing-1k") assert.match(ca, /^issuer:/, what);
            else assert.match(ca, /-----BEGIN CERTIFICATE-----/, what);
          }
        }
      }
      // The clients this covers: Synapse, synapse-li, both bridges, key_vault (Job and Deployment), the LI sync's Jobs and exporter.
      for (const want of ["key-vault-deployment", "key-vault-migrate", "bridges-telegram", "bridges-whatsapp", "li-sync-sync-setup", "li-sync-sync-refresh", "li-sync-sync-publisher", "li-sync-sync-exporter", "li-synapse"]) {
        assert.ok([...seen].some((s) => s === want), `${want} among ${[...seen].join(", ")}`);
      }
      assert.ok([...seen].includes("synapse"), "Synapse");
      // The platform's own bootstrap Job (RDS roles and grants) verifies RDS like the rest.
      if (stack === "prod-aws-1k") assert.ok(seen.has("platform-pg-main-bootstrap-job"), `the bootstrap Job among ${[...seen].join(", ")}`);
      if (stack !== "prod-existing-1k") assert.ok([...seen].some((s) => s.startsWith("monitoring-data-exporters-postgres-")), "the managed servers' exporters");
    });
  }
});
