/**
 * The `internalMtls` switch from config to pods: the presets decide unless the key does, a bad
 * value is refused by name, node packing counts the proxy beside every Synapse process, and the
 * Matrix stack gives every Synapse Service a server certificate naming what HAProxy verifies, a
 * proxy in every Synapse pod, Synapse's HTTP listener on 127.0.0.1 behind it, and HAProxy its
 * client certificate. Real HAProxy runs these configs in tests/validators/internal-mtls.test.ts.
 * And the database side: with a server behind a private CA, Synapse connects with verify-full
 * against it (real PostgreSQL and psycopg2 in tests/validators/postgres-verify-full.test.ts).
 */
import { strict as assert } from "assert";
import { parse } from "yaml";
import { ConfigValidationError, parseSpec } from "../../config";
import { MTLS_PROXY_RESOURCES, ROUTER_CLIENT_NAME, internalMtlsOn } from "../../catalog/internal-tls";
import { WORKER_TYPES } from "../../catalog/workers";
import { MatrixStack } from "../../components/matrix";
import { MTLS_PROXY_FILES, ROUTER_TLS_FILES } from "../../render/haproxy";
import { SYNAPSE_PORTS } from "../../render/synapse";
import { size } from "../../sizing";
import { podCount } from "../../sizing/workload";
import { presetConfig } from "../../stacks/presets";
import { runWithMocks, unwrapSecrets, type MockRun, type RecordedResource } from "../../stacks/mock-engine";
import { fakePlatform } from "../helpers/fake-platform";
import { fixtureSizing } from "../render/fixtures";

type Obj = Record<string, any>;
const P = "matrix-platform";

function specOf(environment: "dev" | "staging" | "prod", extra: Record<string, string> = {}) {
  const config = { ...presetConfig({ environment, platform: "existing", profile: "100" }), ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`${P}:${k}`, v])) };
  return { config, spec: parseSpec(config, `${environment}-existing-100`) };
}

describe("internalMtls: the switch", () => {
  it("is on for the staging and prod presets and off for dev, unless the key says otherwise", () => {
    assert.equal(internalMtlsOn(specOf("dev").spec), false);
    assert.equal(internalMtlsOn(specOf("staging").spec), true);
    assert.equal(internalMtlsOn(specOf("prod").spec), true);
    assert.equal(internalMtlsOn(specOf("dev", { internalMtls: "true" }).spec), true);
    assert.equal(internalMtlsOn(specOf("prod", { internalMtls: "false" }).spec), false);
  });

  it("refuses a value that is not a boolean, naming the key, the value and what is allowed", () => {
    try {
      specOf("prod", { internalMtls: "yes" });
      assert.fail("accepted internalMtls=yes");
    } catch (e) {
      assert.ok(e instanceof ConfigValidationError, String(e));
      const p = e.problems.find((x) => x.key === `${P}:internalMtls`);
      assert.ok(p, JSON.stringify(e.problems));
      assert.equal(p.value, "yes");
      assert.match(p.allowed, /true or false/);
    }
  });

  it("node packing and the totals count the proxy's requests once per Synapse pod", () => {
    const on = size(specOf("prod").spec);
    const off = size(specOf("prod", { internalMtls: "false" }).spec);
    const synapsePods = podCount(on.synapse.main) + Object.values(on.synapse.workers).reduce((n, w) => n + podCount(w), 0);
    assert.ok(synapsePods > 5);
    // Synapse's pods sit on the homeserver tier: that pool's demand grows by the proxies.
    const pool = (s: typeof on) => s.nodePools.find((p) => p.tier === "homeserver")!;
    const homeserverPods = [on.synapse.main, ...Object.values(on.synapse.workers)].filter((w) => w.tier === "homeserver").reduce((n, w) => n + podCount(w), 0);
    assert.equal(pool(on).requestedCpuMillis - pool(off).requestedCpuMillis, homeserverPods * MTLS_PROXY_RESOURCES.cpuRequestMillis);
    assert.equal(Math.round((on.totals.cpuCores - off.totals.cpuCores) * 1000), synapsePods * MTLS_PROXY_RESOURCES.cpuRequestMillis);
    assert.equal(Math.round((on.totals.memoryGi - off.totals.memoryGi) * 1024), synapsePods * MTLS_PROXY_RESOURCES.memoryRequestMi);
  });
});

describe("internalMtls: the Matrix stack (mock engine, fake platform)", function () {
  let on: MockRun;
  let off: MockRun;
  const run = (environment: "dev" | "prod", platformOpts: { internalCa?: boolean; databaseCa?: boolean } = {}) => {
    const { config, spec } = specOf(environment);
    config[`${P}:li`] = "false";
    delete config[`${P}:liInvestigatorCidrs`];
    const s = parseSpec(config, spec.stack);
    return runWithMocks({
      project: P,
      stack: spec.stack,
      config,
      program: async () => {
        new MatrixStack("matrix", { spec: s, sizing: fixtureSizing("100", s.highAvailability), platform: fakePlatform(platformOpts) });
        return {};
      },
    });
  };
  const ofKind = (r: MockRun, type: string) => r.resources.filter((x) => x.type === type);
  const named = (r: MockRun, type: string, name: string): RecordedResource => {
    const x = ofKind(r, type).find((y) => (y.inputs.metadata as Obj)?.name === name);
    assert.ok(x, `no ${type} ${name}`);
    return x;
  };
  const synapseWorkloads = (r: MockRun) => [...ofKind(r, "kubernetes:apps/v1:Deployment"), ...ofKind(r, "kubernetes:apps/v1:StatefulSet")]
    .filter((x) => (x.inputs.spec as Obj).template.metadata.labels["app.kubernetes.io/component"] === "synapse");
  const certificates = (r: MockRun) => ofKind(r, "kubernetes:cert-manager.io/v1:Certificate");

  before(async () => {
    [on, off] = [await run("prod"), await run("dev")];
  });

  it("gives every Synapse Service a server certificate from the internal CA with the very name HAProxy verifies", () => {
    const cfg = (unwrapSecrets(named(on, "kubernetes:core/v1:ConfigMap", "haproxy").inputs.data) as Obj)["haproxy.cfg"] as string;
    const verified = new Set([...cfg.matchAll(/verifyhost (\S+)/g)].map((m) => m[1]));
    assert.ok(verified.size > 5);
    const serverCerts = certificates(on).filter((c) => (c.inputs.spec as Obj).usages.includes("server auth"));
    const certified = new Set(serverCerts.flatMap((c) => (c.inputs.spec as Obj).dnsNames as string[]));
    for (const name of verified) assert.ok(certified.has(name), `no certificate names ${name}`);
    for (const c of serverCerts) {
      const spec = c.inputs.spec as Obj;
      assert.deepEqual(spec.issuerRef, { name: "fake-internal-ca", kind: "ClusterIssuer", group: "cert-manager.io" });
      assert.equal(spec.privateKey.algorithm, "ECDSA");
    }
    const services = ofKind(on, "kubernetes:core/v1:Service").filter((s) => (s.inputs.metadata as Obj).labels["app.kubernetes.io/component"] === "synapse");
    assert.equal(serverCerts.length, services.length, "one certificate per Synapse Service");
    for (const s of services) {
      const ports = (s.inputs.spec as Obj).ports as Obj[];
      assert.ok(ports.some((p) => p.name === "mtls" && p.port === SYNAPSE_PORTS.mtls), (s.inputs.metadata as Obj).name);
      assert.ok(!ports.some((p) => p.port === SYNAPSE_PORTS.http), `${(s.inputs.metadata as Obj).name} publishes no plain HTTP port`);
    }
  });

  it("runs the proxy in every Synapse pod with its Service's certificate, and Synapse's HTTP listener on 127.0.0.1 only", () => {
    const workloads = synapseWorkloads(on);
    assert.equal(workloads.length, 1 + WORKER_TYPES.filter((t) => ofKind(on, "kubernetes:core/v1:Service").some((s) => (s.inputs.metadata as Obj).name === t.name)).length);
    for (const w of workloads) {
      const pod = (w.inputs.spec as Obj).template.spec;
      const proxy = (pod.containers as Obj[]).find((c) => c.name === "mtls-proxy");
      assert.ok(proxy, `${w.name} has the proxy`);
      assert.deepEqual((proxy.ports as Obj[]).map((p) => [p.name, p.containerPort]), [["mtls", SYNAPSE_PORTS.mtls], ["proxy-health", SYNAPSE_PORTS.proxyHealth]]);
      assert.ok(!(pod.containers[0].ports as Obj[]).some((p) => p.name === "http"), `${w.name}: Synapse's HTTP port is not published`);
      const tls = (pod.volumes as Obj[]).find((v) => v.name === "mtls-proxy-tls")!;
      const service = (w.inputs.metadata as Obj).name;
      assert.equal(tls.secret.secretName, `${service}-mtls`);
      assert.deepEqual(tls.secret.items.map((i: Obj) => i.path).sort(), ["ca.crt", "tls.crt", "tls.crt.key"]);
      assert.ok(certificates(on).some((c) => (c.inputs.spec as Obj).secretName === tls.secret.secretName), `${service}: its Secret is a Certificate's`);
      const mounts = Object.fromEntries((proxy.volumeMounts as Obj[]).map((m) => [m.name, m.mountPath]));
      assert.equal(`${mounts["mtls-proxy-tls"]}/tls.crt`, MTLS_PROXY_FILES.certFile);
      assert.equal(proxy.securityContext.readOnlyRootFilesystem, true);
    }
    const proxyCfg = (unwrapSecrets(named(on, "kubernetes:core/v1:ConfigMap", "synapse-mtls-proxy").inputs.data) as Obj)["haproxy.cfg"] as string;
    assert.match(proxyCfg, new RegExp(`bind 0\\.0\\.0\\.0:${SYNAPSE_PORTS.mtls} ssl crt ${MTLS_PROXY_FILES.certFile} ca-file ${MTLS_PROXY_FILES.caFile} verify required`));
    assert.match(proxyCfg, new RegExp(`server synapse 127\\.0\\.0\\.1:${SYNAPSE_PORTS.http}`));
    const hs = parse((unwrapSecrets(named(on, "kubernetes:core/v1:ConfigMap", "synapse-config").inputs.data) as Obj)["homeserver.yaml"]);
    const http = (hs.listeners as Obj[]).find((l) => l.port === SYNAPSE_PORTS.http)!;
    assert.deepEqual(http.bind_addresses, ["127.0.0.1"]);
    const replication = (hs.listeners as Obj[]).find((l) => l.port === SYNAPSE_PORTS.replication)!;
    assert.deepEqual(replication.bind_addresses, ["0.0.0.0"], "replication stays reachable between the processes");
  });

  it("gives HAProxy the client certificate the proxies admit, mounted where its config reads it, and reloads it on renewal", () => {
    const client = certificates(on).find((c) => (c.inputs.spec as Obj).usages.includes("client auth") && (c.inputs.spec as Obj).commonName === ROUTER_CLIENT_NAME);
    assert.ok(client, "the router's client certificate");
    const dep = named(on, "kubernetes:apps/v1:Deployment", "haproxy");
    const pod = (dep.inputs.spec as Obj).template.spec;
    const vol = (pod.volumes as Obj[]).find((v) => v.secret?.secretName === (client.inputs.spec as Obj).secretName);
    assert.ok(vol, "the router mounts its certificate's Secret");
    const mount = (pod.containers[0].volumeMounts as Obj[]).find((m) => m.name === vol.name)!;
    assert.equal(`${mount.mountPath}/tls.crt`, ROUTER_TLS_FILES.certFile);
    assert.match(pod.containers[0].command.join(" "), /kill -USR2/);
  });

  it("dev (switch off) has no proxy, no certificate and plain HTTP to Synapse", () => {
    assert.equal(certificates(off).length, 0);
    for (const w of synapseWorkloads(off)) assert.ok(!((w.inputs.spec as Obj).template.spec.containers as Obj[]).some((c) => c.name === "mtls-proxy"), w.name);
    const hs = parse((unwrapSecrets(named(off, "kubernetes:core/v1:ConfigMap", "synapse-config").inputs.data) as Obj)["homeserver.yaml"]);
    assert.deepEqual((hs.listeners as Obj[]).find((l) => l.port === SYNAPSE_PORTS.http)!.bind_addresses, ["0.0.0.0"]);
  });

  it("is refused on a platform without an internal CA, saying why", async () => {
    await assert.rejects(run("prod", { internalCa: false }), /internalMtls is on, but the platform runs no internal CA/);
  });
  it("with a database server behind a private CA, every Synapse process verifies it (verify-full, the CA's ca.crt as sslrootcert)", async () => {
    const r = await run("dev", { databaseCa: true });
    const trust = certificates(r).find((c) => (c.inputs.spec as Obj).issuerRef.name === "fake-internal-ca" && (c.inputs.spec as Obj).secretName === "synapse-database-ca");
    assert.ok(trust, "a CA-trust certificate in the Matrix namespace");
    const hs = parse((unwrapSecrets(named(r, "kubernetes:core/v1:ConfigMap", "synapse-config").inputs.data) as Obj)["homeserver.yaml"]);
    assert.equal(hs.database.args.sslmode, "verify-full");
    for (const w of synapseWorkloads(r)) {
      const pod = (w.inputs.spec as Obj).template.spec;
      const vol = (pod.volumes as Obj[]).find((v) => (v.projected?.sources ?? []).some((s: Obj) => s.secret?.name === "synapse-database-ca"));
      assert.ok(vol, `${w.name} mounts the database CA`);
      assert.deepEqual(vol.projected.sources[0].secret.items, [{ key: "ca.crt", path: "ca.crt" }], "the CA only, never the trust certificate's key");
      const mount = (pod.containers[0].volumeMounts as Obj[]).find((m) => m.name === vol.name)!;
      assert.equal(`${mount.mountPath}/ca.crt`, hs.database.args.sslrootcert);
    }
    const plain = parse((unwrapSecrets(named(off, "kubernetes:core/v1:ConfigMap", "synapse-config").inputs.data) as Obj)["homeserver.yaml"]);
    assert.equal(plain.database.args.sslrootcert, undefined);
  });
});
