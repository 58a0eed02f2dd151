import { strict as assert } from "assert";
import { CHARTS } from "../../catalog/charts";
import { deployedBuckets, deployedDatabases, deployedObjectStoreClients } from "../../components/contracts";
import { isDeployed } from "../../catalog/components";
import { internalMtlsOn } from "../../catalog/internal-tls";
import { isSecretValue } from "../../stacks/mock-engine";
import { get, ofType, type PlatformRun } from "./harness";

/**
 * What every platform must hand the Matrix stack, checked the same way for AWS, GCP and
 * on-prem: complete database records (one per consumer, LI on its own server), object store,
 * Redis, gateway and issuer, credentials marked secret, placement from the node pools, and the
 * common add-ons installed from pinned charts.
 */
export function assertPlatformContract(run: PlatformRun): void {
  const p = run.outputs.platform as any;
  assert.equal(p.kind, run.spec.platform);
  assert.match(p.kubernetesVersion, /^1\.\d+$/);
  assert.ok(p.storageClass, "storage class name");

  // Exactly the deployed consumers' databases: a bridge that is off has none, LI off has no LI server.
  const li = isDeployed("li", run.spec);
  const deployed = deployedDatabases(run.spec.bridges, li);
  assert.deepEqual(Object.keys(p.databases).sort(), [...deployed].sort());
  for (const db of deployed) {
    const c = p.databases[db];
    assert.ok(c, `database ${db}`);
    assert.ok(c.host && c.port && c.database && c.user && c.password, `complete connection for ${db}: ${JSON.stringify(c)}`);
    assert.ok(c.maxConnections > 0);
    assert.ok(["require", "verify-ca", "verify-full"].includes(c.sslMode), `${db} connects with TLS`);
    // A verifying client is handed the CA it verifies against.
    if (c.sslMode !== "require") assert.ok(c.caIssuer !== undefined || c.caCertificate !== undefined, `${db}: ${c.sslMode} names its CA`);
    assert.ok(c.network && c.network.port === 5432, `${db} network peer on 5432`);
    assert.equal(run.secrecy[`databases.${db}.password`], true, `${db} password is a secret output`);
  }
  // One owner per database, and LI is on a different server from main.
  assert.equal(new Set(deployed.map((d) => p.databases[d].user)).size, deployed.length);
  assert.equal(new Set(deployed.map((d) => p.databases[d].database)).size, deployed.length);
  if (li) assert.notEqual(p.databases.synapseLi.host, p.databases.synapse.host, "LI database on its own server");
  else assert.equal(p.databases.synapseLi, undefined, "no LI database while LI is off");

  const os = p.objectStore;
  assert.match(os.endpoint, /^https?:\/\//);
  // Media and backups always, LI media only with LI, each its own bucket; Loki's logs bucket
  // while monitoring is deployed (the harness's stacks may leave it off).
  const logs = os.buckets.logs !== undefined ? ["logs"] : [];
  assert.deepEqual(Object.keys(os.buckets).filter((k) => os.buckets[k as keyof typeof os.buckets] !== undefined).sort(), [...deployedBuckets(li), ...logs].sort());
  assert.equal(new Set(Object.values(os.buckets).filter((b) => b !== undefined)).size, deployedBuckets(li).length + logs.length, "distinct buckets");
  // Loki is a client exactly where it has a logs bucket.
  assert.deepEqual(Object.keys(os.serviceAccountAnnotations).sort(), deployedObjectStoreClients(li, logs.length > 0).sort());
  if (os.credentials) {
    assert.equal(run.secrecy["objectStore.credentials.accessKeyId"], true);
    assert.equal(run.secrecy["objectStore.credentials.secretAccessKey"], true);
  }

  assert.ok(p.redis.host && p.redis.port && p.redis.password, "redis endpoint");
  assert.equal(run.secrecy["redis.password"], true, "redis password is a secret output");

  assert.deepEqual(p.gateway, { className: "envoy", namespace: "edge", name: "matrix" });
  assert.equal(p.clusterIssuer, run.spec.tls.issuer === "acme" ? "letsencrypt" : "matrix-ca");
  assert.ok(run.readyCount > 0);

  // The internal CA: on an existing cluster always (MinIO's certificate), on every platform while
  // HAProxy <-> Synapse mutual TLS needs it; the issuer the Platform names is the CA ClusterIssuer.
  const caIssuers = ofType(run, "kubernetes:cert-manager.io/v1:ClusterIssuer").filter((r) => get(r.inputs, "spec.ca") !== undefined);
  if (internalMtlsOn(run.spec) || run.spec.platform === "existing") {
    assert.ok(p.internalCaIssuer, `${run.spec.platform} ${run.spec.environment}: an internal CA issuer`);
    const issuer = caIssuers.find((r) => get(r.inputs, "metadata.name") === p.internalCaIssuer);
    assert.ok(issuer, `a CA ClusterIssuer named ${p.internalCaIssuer}`);
    const caCert = ofType(run, "kubernetes:cert-manager.io/v1:Certificate").find((r) => get(r.inputs, "spec.secretName") === get(issuer.inputs, "spec.ca.secretName"));
    assert.equal(get(caCert?.inputs, "spec.isCA"), true, "the issuer signs with a CA certificate cert-manager made");
  } else {
    assert.equal(p.internalCaIssuer, undefined, "no internal CA where nothing needs it");
    assert.ok(!caIssuers.some((r) => get(r.inputs, "metadata.name") === "matrix-internal-ca"));
  }

  // Placement comes from the sizing's node pools.
  for (const pool of run.sizing.nodePools) {
    assert.deepEqual(run.placements[pool.tier].nodeSelector, pool.labels);
    assert.deepEqual(run.placements[pool.tier].tolerations.map((t) => t.key), pool.taints.map((t) => t.key));
  }

  // Add-ons: pinned chart versions from the catalogue, every release.
  const releases = ofType(run, "kubernetes:helm.sh/v3:Release");
  const versions = new Set<string>(Object.values(CHARTS).map((c) => c.version));
  for (const r of releases) assert.ok(versions.has(r.inputs.version as string), `release ${r.name} pinned to a catalogue version`);
  const gateway = ofType(run, "kubernetes:gateway.networking.k8s.io/v1:Gateway")[0];
  const listeners = get(gateway.inputs, "spec.listeners") as any[];
  assert.ok(listeners.some((l) => l.hostname === run.spec.hosts.matrix && l.protocol === "HTTPS" && l.tls.certificateRefs.length === 1));
  assert.equal(get(gateway.inputs, "metadata.annotations")["cert-manager.io/cluster-issuer"], p.clusterIssuer);

  // Every Kubernetes Secret's payload is a secret in state; no ConfigMap carries a password.
  const passwords = deployed.map((d) => p.databases[d].password).concat([p.redis.password]);
  for (const cm of ofType(run, "kubernetes:core/v1:ConfigMap")) {
    const text = JSON.stringify(cm.inputs);
    for (const pw of passwords) assert.ok(!text.includes(pw), `ConfigMap ${cm.name} holds no password`);
  }
  for (const s of ofType(run, "kubernetes:core/v1:Secret")) {
    const data = (s.inputs.stringData ?? s.inputs.data) as Record<string, unknown> | undefined;
    assert.ok(data, `Secret ${s.name} has data`);
    const wrapped = isSecretValue(data) || Object.values(data).every(isSecretValue);
    assert.ok(wrapped, `Secret ${s.name} payload is marked secret`);
  }
}
