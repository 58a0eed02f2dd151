import { strict as assert } from "assert";
import { SECRET_PLACEHOLDER_B64, kubernetesTypeOf, manifestsFrom } from "../../stacks/manifests";
import type { RecordedResource } from "../../stacks/mock-engine";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const wrap = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
const res = (type: string, name: string, inputs: Record<string, unknown>, custom = true): RecordedResource => ({ type, name, custom, inputs });

describe("stacks/manifests: recorded resources -> Kubernetes manifests", () => {
  it("reads apiVersion and kind from the type token, core group included", () => {
    assert.deepEqual(kubernetesTypeOf("kubernetes:core/v1:ConfigMap"), { apiVersion: "v1", kind: "ConfigMap" });
    assert.deepEqual(kubernetesTypeOf("kubernetes:apps/v1:Deployment"), { apiVersion: "apps/v1", kind: "Deployment" });
    assert.deepEqual(kubernetesTypeOf("kubernetes:postgresql.cnpg.io/v1:Cluster"), { apiVersion: "postgresql.cnpg.io/v1", kind: "Cluster" });
    for (const t of ["kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart", "kubernetes:yaml/v2:ConfigGroup", "kubernetes:core/v1:ConfigMapPatch", "kubernetes:core/v1:ConfigMapList", "pulumi:providers:kubernetes", "aws:s3/bucket:Bucket", "matrix-platform:k8s:StackNamespace"]) {
      assert.equal(kubernetesTypeOf(t), undefined, t);
    }
  });

  it("writes every Kubernetes object, skips components, Helm releases and cloud resources", () => {
    const out = manifestsFrom([
      res("kubernetes:core/v1:Namespace", "ns", { apiVersion: "v1", kind: "Namespace", metadata: { name: "matrix" } }),
      res("kubernetes:apps/v1:Deployment", "web", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "matrix" }, spec: { replicas: 1 } }),
      res("kubernetes:helm.sh/v3:Release", "chart", { chart: "x", namespace: "edge" }),
      res("matrix-platform:matrix:MatrixStack", "m", {}, false),
      res("aws:s3/bucket:Bucket", "b", { bucket: "b" }),
    ]);
    assert.deepEqual(out.map((m) => m.path), ["_cluster/namespace-matrix.yaml", "matrix/deployment-web.yaml"]);
    assert.deepEqual(Object.keys(out[1].object).slice(0, 3), ["apiVersion", "kind", "metadata"]);
  });

  it("names auto-named objects after the resource and keeps colliding paths apart", () => {
    const out = manifestsFrom([
      res("kubernetes:batch/v1:Job", "bootstrap", { metadata: { namespace: "data" }, spec: {} }),
      res("kubernetes:batch/v1:Job", "bootstrap", { metadata: { namespace: "data" }, spec: {} }),
    ]);
    assert.equal((out[0].object as { metadata: { name: string } }).metadata.name, "bootstrap");
    assert.deepEqual(out.map((m) => m.path), ["data/job-bootstrap.yaml", "data/job-bootstrap-1.yaml"]);
  });

  it("never writes a secret: Secret values become a base64 placeholder, other secret values a marker", () => {
    const [secret, cm] = manifestsFrom([
      res("kubernetes:core/v1:Secret", "s", { metadata: { name: "s", namespace: "m" }, stringData: wrap({ password: "hunter2-hunter2" }), data: wrap({ token: "c2VjcmV0" }) }),
      res("kubernetes:core/v1:ConfigMap", "c", { metadata: { name: "c", namespace: "m" }, data: { a: wrap("leaked-secret") } }),
    ]).map((m) => m.object as Record<string, unknown>);
    assert.deepEqual(secret.data, { password: SECRET_PLACEHOLDER_B64, token: SECRET_PLACEHOLDER_B64 });
    assert.equal(secret.stringData, undefined);
    assert.deepEqual(cm.data, { a: "[secret]" });
    assert.ok(!JSON.stringify([secret, cm]).includes("hunter2"));
  });
});
