/**
 * The LI instance in the whole program under the mock engine: what `li: true` deploys (its own
 * namespace, database and bucket, one synapse-li process, routes admitted only from the
 * investigators' ranges), the NetworkPolicies that keep it apart from main (evaluated with
 * NetworkPolicy semantics), main's retention override, and that `li: false` leaves no trace.
 */
import { strict as assert } from "assert";
import { parse as parseYaml } from "yaml";
import { isSecretValue, unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { isFlowAllowed, type Endpoint, type NetworkPolicyManifest } from "../../components/k8s/network";
import { manifestsFrom, type KubeObject } from "../../stacks/manifests";
import { EXISTING_DATA } from "../../components/platform/existing";
import { MINIO_BUCKETS } from "../../components/data/minio";
import { LI_ON, ofType, runStack, type StackRun } from "../helpers/run-stack";

type Obj = Record<string, any>;
const meta = (r: RecordedResource) => r.inputs.metadata as Obj;
const named = (run: StackRun, type: string, name: string, namespace?: string) =>
  ofType(run, type).find((r) => meta(r)?.name === name && (namespace === undefined || meta(r)?.namespace === namespace));

function mainHomeserver(run: StackRun): Obj {
  const cm = named(run, "kubernetes:core/v1:ConfigMap", "synapse-config", "matrix");
  assert.ok(cm, "main's Synapse config");
  return parseYaml((cm.inputs.data as Obj)["homeserver.yaml"]);
}

function policiesOf(run: StackRun): { policies: NetworkPolicyManifest[]; namespaces: Record<string, Record<string, string>>; objects: KubeObject[] } {
  const objects = manifestsFrom(run.resources).map((m) => m.object as KubeObject);
  return {
    objects,
    policies: objects.filter((o) => o.kind === "NetworkPolicy") as unknown as NetworkPolicyManifest[],
    namespaces: Object.fromEntries(objects.filter((o) => o.kind === "Namespace").map((o) => [o.metadata.name, o.metadata.labels ?? {}])),
  };
}

function podOf(objects: KubeObject[], namespace: string, name: string): Endpoint {
  const o = objects.find((x) => ["Deployment", "StatefulSet"].includes(x.kind) && x.metadata.namespace === namespace && x.metadata.name === name);
  assert.ok(o, `no workload ${namespace}/${name}`);
  return { namespace, labels: (o.spec as Obj).template.metadata.labels };
}

describe("the LI instance in the whole program", function () {
  this.timeout(600_000);
  let on: StackRun;
  let off: StackRun;
  before(async () => {
    on = await runStack("dev", LI_ON);
    off = await runStack("dev");
  });

  it("deploys synapse-li as one process (Recreate, no HPA) in the LI namespace on the LI database and bucket", () => {
    const dep = named(on, "kubernetes:apps/v1:Deployment", "synapse-li", "matrix-li");
    assert.ok(dep);
    assert.equal((dep.inputs.spec as Obj).replicas, 1);
    assert.equal((dep.inputs.spec as Obj).strategy.type, "Recreate");
    assert.equal(ofType(on, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler").filter((h) => meta(h).namespace === "matrix-li").length, 0);
    const hs = parseYaml((named(on, "kubernetes:core/v1:ConfigMap", "synapse-li-config", "matrix-li")!.inputs.data as Obj)["homeserver.yaml"]);
    assert.equal(hs.server_name, on.spec.serverName);
    // The database section (it names the LI role) is in the Secret, read as a second config file.
    assert.equal(hs.database, undefined);
    const dbFiles = unwrapSecrets(named(on, "kubernetes:core/v1:Secret", "synapse-li-db", "matrix-li")!.inputs.stringData) as Obj;
    assert.equal(parseYaml(dbFiles["database.yaml"]).database.args.dbname, "synapse_li");
    assert.match((dep.inputs.spec as Obj).template.spec.containers[0].command[2], /-c \/etc\/synapse\/db\/database\.yaml$/m);
    assert.match(parseYaml(dbFiles["database.yaml"]).database.args.host, new RegExp(`^${EXISTING_DATA.liCluster}-rw\\.`), "the LI CloudNativePG cluster, not main's");
    // The LI cluster's certificate chains to the internal CA: synapse-li verifies it by name.
    const dbArgs = parseYaml(dbFiles["database.yaml"]).database.args;
    assert.equal(dbArgs.sslmode, "verify-full");
    const pod = (dep.inputs.spec as Obj).template.spec;
    const caVol = (pod.volumes as Obj[]).find((v) => (v.projected?.sources ?? []).some((s: Obj) => s.secret?.name === "synapse-li-database-ca"))!;
    assert.ok(caVol, "synapse-li mounts the database CA");
    const caMount = (pod.containers[0].volumeMounts as Obj[]).find((m) => m.name === caVol.name)!;
    assert.equal(`${caMount.mountPath}/ca.crt`, dbArgs.sslrootcert);
    assert.equal(hs.media_storage_providers[0].config.bucket, MINIO_BUCKETS.liMedia);
    assert.equal(hs.enable_registration, false);
    assert.deepEqual(hs.federation_domain_whitelist, []);
    const pgpass = (unwrapSecrets(named(on, "kubernetes:core/v1:Secret", "synapse-li-db", "matrix-li")!.inputs.stringData) as Obj).pgpass as string;
    assert.match(pgpass, /:synapse_li:synapse_li:/);
    for (const s of ofType(on, "kubernetes:core/v1:Secret").filter((r) => meta(r).namespace === "matrix-li")) assert.ok(isSecretValue(s.inputs.stringData), `${meta(s).name} is secret`);
  });

  it("synapse-li verifies the in-cluster object store's TLS against the internal CA, as main's media processes do", () => {
    const dep = named(on, "kubernetes:apps/v1:Deployment", "synapse-li", "matrix-li")!;
    const pod = (dep.inputs.spec as Obj).template.spec;
    const container = pod.containers[0];
    const awsConfig = (named(on, "kubernetes:core/v1:ConfigMap", "synapse-li-config", "matrix-li")!.inputs.data as Obj)["aws-config"] as string;
    const bundle = /^ca_bundle = (\S+)$/m.exec(awsConfig)?.[1];
    assert.ok(bundle, `synapse-li's botocore config names no CA bundle:\n${awsConfig}`);
    assert.ok(container.env.some((e: Obj) => e.name === "AWS_CONFIG_FILE" && e.value.endsWith("/aws-config")), "AWS_CONFIG_FILE points at the rendered config");
    // The bundle is a file of a mounted volume, and that volume is a Secret a CA-trust Certificate writes.
    const mount = container.volumeMounts.find((m: Obj) => bundle.startsWith(`${m.mountPath}/`));
    assert.ok(mount, `nothing is mounted where ${bundle} is`);
    const secretName = pod.volumes.find((v: Obj) => v.name === mount.name).secret.secretName as string;
    const trust = ofType(on, "kubernetes:cert-manager.io/v1:Certificate").find((c) => meta(c).namespace === "matrix-li" && (c.inputs.spec as Obj).secretName === secretName);
    assert.ok(trust, `no Certificate in matrix-li writes ${secretName}`);
    // Issued by the issuer main's media processes trust for the same store.
    const mainTrust = ofType(on, "kubernetes:cert-manager.io/v1:Certificate").find((c) => meta(c).namespace === "matrix" && meta(c).name === "synapse-object-store-ca");
    assert.ok(mainTrust, "main's object-store CA trust");
    assert.deepEqual((trust.inputs.spec as Obj).issuerRef, (mainTrust.inputs.spec as Obj).issuerRef);
  });

  it("the LI CloudNativePG cluster has a primary and a replica", () => {
    const cluster = ofType(on, "kubernetes:postgresql.cnpg.io/v1:Cluster").find((c) => meta(c).name === EXISTING_DATA.liCluster);
    assert.ok(cluster, "the LI cluster");
    assert.equal((cluster.inputs.spec as Obj).instances, 2);
  });

  it("routes the three LI hosts, and the SecurityPolicy admits only the investigators' ranges to every one of them", () => {
    const routes = ofType(on, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute").filter((r) => meta(r).namespace === "matrix-li");
    assert.deepEqual(routes.map((r) => (r.inputs.spec as Obj).hostnames[0]).sort(), [on.spec.hosts.liAdmin, on.spec.hosts.liElement, on.spec.hosts.liMatrix].sort());
    const sp = named(on, "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy", "li-investigators", "matrix-li");
    assert.ok(sp);
    const spec = sp.inputs.spec as Obj;
    assert.deepEqual(spec.targetRefs.map((t: Obj) => t.name).sort(), routes.map((r) => meta(r).name).sort());
    assert.equal(spec.authorization.defaultAction, "Deny");
    assert.deepEqual(spec.authorization.rules, [{ name: "investigators", action: "Allow", principal: { clientCIDRs: ["203.0.113.0/24", "198.51.100.7/32"] } }]);
    // Only the admin host serves the admin API; synapse-li serves no federation.
    const paths = (name: string) => (routes.find((r) => meta(r).name === name)!.inputs.spec as Obj).rules.flatMap((r: Obj) => r.matches.map((m: Obj) => m.path.value));
    assert.ok(paths("li-admin").includes("/_synapse/admin"));
    assert.ok(!paths("li-matrix").some((p: string) => p.startsWith("/_synapse/admin") || p.startsWith("/_matrix/federation") || p === "/"));
  });

  it("element-web-li and Ketesa LI point at the LI hosts only", () => {
    const el = JSON.parse((named(on, "kubernetes:core/v1:ConfigMap", "element-web-li", "matrix-li")!.inputs.data as Obj)["config.json"]);
    assert.equal(el.default_server_config["m.homeserver"].base_url, `https://${on.spec.hosts.liMatrix}`);
    const k = JSON.parse((named(on, "kubernetes:core/v1:ConfigMap", "ketesa-li", "matrix-li")!.inputs.data as Obj)["config.json"]);
    assert.deepEqual(k.restrictBaseUrl, [`https://${on.spec.hosts.liAdmin}`]);
  });

  it("network policies: nothing in main reaches LI; synapse-li reaches its own database and the object store only", () => {
    const w = policiesOf(on);
    const allowed = (src: Endpoint, dst: Endpoint, port: number) => isFlowAllowed(w.policies, src, dst, port, "TCP", w.namespaces);
    const li = podOf(w.objects, "matrix-li", "synapse-li");
    const elementLi = podOf(w.objects, "matrix-li", "element-web-li");
    const edge: Endpoint = { namespace: "edge", labels: { "app.kubernetes.io/name": "envoy", "app.kubernetes.io/component": "proxy" } };
    assert.ok(allowed(edge, li, 8008), "Gateway -> synapse-li");
    assert.ok(allowed(edge, elementLi, 8080), "Gateway -> element-web-li");
    for (const name of ["synapse-main", "haproxy", "synchrotron", "media-repository", "element-web"]) {
      const src = podOf(w.objects, "matrix", name);
      for (const port of [8008, 8080, 9000]) assert.equal(allowed(src, li, port), false, `${name} -> synapse-li:${port}`);
      assert.equal(allowed(src, elementLi, 8080), false, `${name} -> element-web-li`);
    }
    const pgLi: Endpoint = { namespace: "matrix-data", labels: { "cnpg.io/cluster": EXISTING_DATA.liCluster, "cnpg.io/podRole": "instance" } };
    const pgMain: Endpoint = { namespace: "matrix-data", labels: { "cnpg.io/cluster": EXISTING_DATA.mainCluster, "cnpg.io/podRole": "instance" } };
    assert.ok(allowed(li, pgLi, 5432), "synapse-li -> the LI PostgreSQL");
    assert.equal(allowed(li, pgMain, 5432), false, "synapse-li -/-> main's PostgreSQL");
    assert.equal(allowed(podOf(w.objects, "matrix", "synapse-main"), pgLi, 5432), false, "main -/-> the LI PostgreSQL");
    assert.equal(allowed(li, podOf(w.objects, "matrix", "synapse-main"), 8008), false, "synapse-li -/-> main's Synapse");
    assert.equal(allowed(li, { ip: "93.184.216.34" }, 443), false, "synapse-li has no internet egress");
    assert.equal(allowed(elementLi, pgLi, 5432), false);
  });

  it("main keeps the evidence with LI on: redaction_retention_period null and retention off; LI off: neither", () => {
    const hsOn = mainHomeserver(on);
    const hsOff = mainHomeserver(off);
    assert.equal(hsOn.redaction_retention_period, null);
    assert.deepEqual(hsOn.retention, { enabled: false });
    assert.equal(hsOff.redaction_retention_period, "7d");
    assert.equal(hsOff.retention, undefined);
  });

  it("li: false leaves no LI object: no namespace, workload, route, policy, database, bucket or LI component", () => {
    const liThings = off.resources.filter((r) =>
      r.type.startsWith("matrix-platform:li:") ||
      meta(r)?.namespace === "matrix-li" ||
      (r.type === "kubernetes:core/v1:Namespace" && meta(r)?.name === "matrix-li") ||
      (r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster" && meta(r)?.name === EXISTING_DATA.liCluster) ||
      r.type === "kubernetes:gateway.envoyproxy.io/v1alpha1:SecurityPolicy");
    assert.deepEqual(liThings.map((r) => `${r.type} ${meta(r)?.name}`), []);
    const text = JSON.stringify(off.resources.map((r) => unwrapSecrets(r.inputs)));
    assert.ok(!text.includes(MINIO_BUCKETS.liMedia), "no LI bucket");
    assert.ok(!text.includes(on.spec.hosts.liMatrix), "no LI host (no listener, no certificate)");
    assert.ok(JSON.stringify(on.resources.map((r) => unwrapSecrets(r.inputs))).includes(on.spec.hosts.liMatrix));
  });
});
