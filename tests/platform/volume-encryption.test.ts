/**
 * Every persistent volume of a production existing-cluster stack is on the encrypting
 * StorageClass: the whole program is rendered for each prod-existing preset (and once with every
 * system that has volumes switched on), and every volume claim found anywhere in any rendered
 * object — StatefulSet and MinIO pool templates, CloudNativePG's data and WAL storage, Helm values
 * of the monitoring stack, ephemeral volumes, bare claims — must name that class. A claim without
 * a class would land on the cluster's default class, so a missing name fails too.
 */
import { strict as assert } from "assert";
import { PROFILE_NAMES } from "../../config/keys";
import { unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { PRESET_ENCRYPTED_STORAGE_CLASS } from "../../stacks/presets";
import { runStack } from "../helpers/run-stack";

/** One volume request found in a rendered object, and the class it names (undefined: none). */
interface VolumeClaim {
  resource: string;
  path: string;
  storageClass: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A PersistentVolumeClaim spec: access modes and a storage request. */
function isClaimSpec(v: Record<string, unknown>): boolean {
  const requests = isObject(v.resources) && isObject(v.resources.requests) ? v.resources.requests : undefined;
  return Array.isArray(v.accessModes) && requests !== undefined && "storage" in requests;
}

/**
 * Every volume request inside one resource's inputs, wherever it is nested: claim specs (the
 * class is `storageClassName`), CloudNativePG storage sections (`storage` / `walStorage` with a
 * `size`; the class is `storageClass`), and Helm chart `persistence` sections that are enabled.
 * Besides, any `storageClassName` key anywhere is reported, so no class hides outside these shapes.
 */
export function volumeClaims(r: RecordedResource): VolumeClaim[] {
  const found: VolumeClaim[] = [];
  const resource = `${r.type} ${r.name}`;
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) return v.forEach((item, i) => walk(item, `${path}[${i}]`));
    if (!isObject(v)) return;
    if (isClaimSpec(v)) found.push({ resource, path, storageClass: v.storageClassName });
    else if ("storageClassName" in v) found.push({ resource, path, storageClass: v.storageClassName });
    for (const [k, child] of Object.entries(v)) {
      if (isObject(child) && (k === "storage" || k === "walStorage") && "size" in child) found.push({ resource, path: `${path}.${k}`, storageClass: child.storageClass });
      // Charts spell the class of a `persistence` section either way: Grafana's `storageClassName`
      // (caught above), Loki's `storageClass`.
      if (isObject(child) && k === "persistence" && child.enabled === true && !("storageClassName" in child)) found.push({ resource, path: `${path}.${k}`, storageClass: child.storageClass });
      walk(child, `${path}.${k}`);
    }
  };
  walk(unwrapSecrets(r.inputs), "");
  return found;
}

const kubernetesObjects = (resources: RecordedResource[]) => resources.filter((r) => r.custom && (r.type.startsWith("kubernetes:")));

describe("platform: every volume of a prod existing-cluster stack is on the encrypting StorageClass", function () {
  this.timeout(600_000);

  // The systems that could bring volumes of their own (push and the switched-off ones have none).
  const allSystems = { monitoring: "true", rtc: "true", bridges: "true", telegramApiId: "123456", telegramApiHash: "0123456789abcdef0123456789abcdef" };

  for (const profile of PROFILE_NAMES) {
    it(`prod-existing-${profile}: CloudNativePG data and WAL, MinIO drives and Redis all name ${PRESET_ENCRYPTED_STORAGE_CLASS}`, async () => {
      const run = await runStack(`prod-existing-${profile}`);
      assert.equal(run.spec.existing.storageEncrypted, true);
      const claims = kubernetesObjects(run.resources).flatMap(volumeClaims);
      const wrong = claims.filter((c) => c.storageClass !== PRESET_ENCRYPTED_STORAGE_CLASS);
      assert.deepEqual(wrong, [], "volume claims off the encrypting class");
      // What the stack has: main's and LI's CloudNativePG clusters (prod deploys LI) x (data + WAL), the MinIO pool, Redis.
      const where = new Set(claims.map((c) => `${c.resource.split(" ")[0]}${c.path}`));
      for (const expected of [
        "kubernetes:postgresql.cnpg.io/v1:Cluster.spec.storage",
        "kubernetes:postgresql.cnpg.io/v1:Cluster.spec.walStorage",
        "kubernetes:minio.min.io/v2:Tenant.spec.pools[0].volumeClaimTemplate.spec",
        "kubernetes:apps/v1:StatefulSet.spec.volumeClaimTemplates[0].spec",
      ]) assert.ok(where.has(expected), `no claim at ${expected}; found ${[...where].join(", ")}`);
      assert.equal(claims.filter((c) => c.resource.startsWith("kubernetes:postgresql.cnpg.io/v1:Cluster")).length, 4);
    });
  }

  it("with monitoring, RTC and the bridges on, the monitoring stack's volumes are on it too", async () => {
    const run = await runStack("prod-existing-1k", allSystems);
    const claims = kubernetesObjects(run.resources).flatMap(volumeClaims);
    assert.deepEqual(claims.filter((c) => c.storageClass !== PRESET_ENCRYPTED_STORAGE_CLASS), [], "volume claims off the encrypting class");
    const release = claims.filter((c) => c.resource.startsWith("kubernetes:helm.sh/v3:Release")).map((c) => c.path);
    for (const expected of [
      ".values.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec",
      ".values.alertmanager.alertmanagerSpec.storage.volumeClaimTemplate.spec",
      ".values.grafana.persistence",
    ]) assert.ok(release.includes(expected), `no monitoring claim at ${expected}; found ${release.join(", ")}`);
  });

  it("finds a claim without a class, a claim on another class and an enabled persistence without one", () => {
    const r = (inputs: Record<string, unknown>): RecordedResource => ({ type: "kubernetes:test", name: "t", custom: true, inputs });
    const claim = { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } };
    assert.deepEqual(volumeClaims(r({ spec: { volumeClaimTemplates: [{ spec: claim }] } })).map((c) => c.storageClass), [undefined]);
    assert.deepEqual(volumeClaims(r({ spec: { volumes: [{ ephemeral: { volumeClaimTemplate: { spec: { ...claim, storageClassName: "plain" } } } }] } })).map((c) => c.storageClass), ["plain"]);
    assert.deepEqual(volumeClaims(r({ spec: { storage: { size: "1Gi" } } })).map((c) => c.storageClass), [undefined]);
    assert.deepEqual(volumeClaims(r({ values: { loki: { persistence: { enabled: true, size: "10Gi" } } } })).map((c) => c.storageClass), [undefined]);
    assert.deepEqual(volumeClaims(r({ values: { loki: { persistence: { enabled: false } } } })), []);
  });
});
