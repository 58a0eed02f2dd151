/**
 * The validation gate (scripts/validate.ts) over dev and prod, and proof that each of its checks
 * catches what it is there to catch. `npm run validate` runs the same gate over every preset.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import {
  checkov,
  formatReport,
  kubeScore,
  kubeconform,
  kubernetesVersionsFor,
  networkFindings,
  podSecurityFindings,
  readCheckovSkips,
  readKubeScoreIgnores,
  runGate,
  type GateReport,
} from "../../scripts/validate";
import { stackNamespaceManifests } from "../../components/k8s/namespace";
import { OLDEST_KUBERNETES, VALIDATED_KUBERNETES_VERSIONS } from "../../components/k8s/version";
import { EKS_VERSION } from "../../components/platform/aws";
import { EXISTING_MIN_KUBERNETES } from "../../components/platform/existing";
import { GKE_VERSION } from "../../components/platform/gcp";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../components/k8s/security-context";
import type { KubeObject } from "../../stacks/manifests";

const labels = { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "main" };

function deployment(podSpec: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "matrix", labels },
    spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: podSpec }, ...extra },
  };
}

const goodPod = {
  securityContext: restrictedPodSecurityContext(),
  containers: [{ name: "web", image: "nginx:1.29.3", securityContext: restrictedContainerSecurityContext() }],
};

function writeFixture(objects: object[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-"));
  objects.forEach((o, i) => fs.writeFileSync(path.join(dir, `o${i}.yaml`), stringify(o)));
  return dir;
}

describe("validation gate over dev and prod", function () {
  let report: GateReport;
  before(async function () {
    // A private directory: several engineers' test runs may overlap on one machine.
    report = await runGate(["dev", "prod"], { outDir: fs.mkdtempSync(path.join(os.tmpdir(), "gate-run-")), log: () => undefined });
  });

  it("renders Kubernetes objects for both stacks", () => {
    for (const s of report.stacks) assert.ok(s.objects > 0, `${s.stack} rendered no Kubernetes object`);
  });

  it("passes: every object has a schema and is valid, no critical kube-score finding, no failed checkov check, PSS and default-deny hold", () => {
    assert.ok(report.ok, formatReport(report));
    for (const s of report.stacks) assert.equal(s.kubeconform.valid, s.objects, `${s.stack}: every object validated`);
  });
});

describe("validation gate: Kubernetes versions", () => {
  it("validates each platform at the versions it runs, and Pod Security pins the oldest supported", () => {
    assert.deepEqual(kubernetesVersionsFor("aws"), [EKS_VERSION]);
    assert.deepEqual(kubernetesVersionsFor("gcp"), [GKE_VERSION]);
    assert.ok(kubernetesVersionsFor("existing").includes(EXISTING_MIN_KUBERNETES));
    assert.equal(OLDEST_KUBERNETES, EXISTING_MIN_KUBERNETES);
    for (const v of [EKS_VERSION, GKE_VERSION, EXISTING_MIN_KUBERNETES]) assert.ok(VALIDATED_KUBERNETES_VERSIONS.includes(v), `${v} has offline schemas`);
  });

  it("rejects an API the older supported version does not serve", () => {
    // DeviceClass reached resource.k8s.io/v1 in Kubernetes 1.34: a 1.31 cluster cannot take it.
    const dir = writeFixture([{ apiVersion: "resource.k8s.io/v1", kind: "DeviceClass", metadata: { name: "gpu" }, spec: {} }]);
    assert.equal(kubeconform(dir, "1.31")[0].status, "statusError");
    assert.equal(kubeconform(dir, "1.35")[0].status, "statusValid");
  });
});

describe("validation gate: each check catches its failure", () => {
  it("kubeconform rejects unknown fields and objects without a schema", () => {
    const dir = writeFixture([
      deployment({ ...goodPod, containers: [{ ...goodPod.containers[0], imagePullPolcy: "Always" }] }),
      { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w", namespace: "matrix" }, spec: {} },
      { apiVersion: "cert-manager.io/v1", kind: "Certificate", metadata: { name: "c", namespace: "matrix" }, spec: { secretName: "s", issuerRef: { name: "i" }, dnsNames: ["a.example.com"], renewBeforeDays: 3 } },
    ]);
    const results = kubeconform(dir, VALIDATED_KUBERNETES_VERSIONS[0]);
    const by = (kind: string) => results.find((r) => r.kind === kind)!;
    assert.equal(by("Deployment").status, "statusInvalid");
    assert.match(by("Deployment").msg!, /imagePullPolcy/);
    assert.equal(by("Widget").status, "statusError");
    assert.match(by("Widget").msg!, /could not find schema/);
    assert.equal(by("Certificate").status, "statusInvalid", "CRD schemas are strict too");
  });

  it("kube-score reports a Service that selects no pod as critical", () => {
    const dir = writeFixture([{ apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "matrix" }, spec: { selector: { app: "nothing" }, ports: [{ port: 80 }] } }]);
    const findings = kubeScore([path.join(dir, "o0.yaml")], []);
    assert.ok(findings.some((f) => f.test === "service-targets-pod"), JSON.stringify(findings));
  });

  it("checkov fails a privileged container and honours only the skips in .checkov.yaml", () => {
    const dir = writeFixture([deployment({ ...goodPod, containers: [{ ...goodPod.containers[0], securityContext: { privileged: true } }] })]);
    const ids = new Set(checkov(dir).map((f) => f.check_id));
    assert.ok(ids.has("CKV_K8S_16"), `privileged container not reported: ${[...ids].join(", ")}`);
    for (const skip of readCheckovSkips()) assert.ok(!ids.has(skip.id), `${skip.id} is skipped in .checkov.yaml`);
  });

  it("pod security: unlabelled namespaces and pods that break restricted fail", () => {
    const ns = stackNamespaceManifests({ name: "matrix" }).namespace as unknown as KubeObject;
    const bare: KubeObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "other" } };
    const hostNet = deployment({ ...goodPod, hostNetwork: true });
    const f = podSecurityFindings("t", [ns, bare, hostNet]);
    assert.ok(f.some((x) => x.object === "_cluster/Namespace/other" && /enforce/.test(x.message)));
    assert.ok(f.some((x) => x.object === "matrix/Deployment/web" && /hostNetwork/.test(x.message)));
    assert.deepEqual(podSecurityFindings("t", [ns, deployment(goodPod)]), []);
  });

  it("pod security: a pod template the program renders is held to restricted even in a baseline namespace", () => {
    // A baseline namespace exists for pods operators and charts write; ours there must still be restricted.
    const ns = stackNamespaceManifests({ name: "matrix-data", podSecurity: "baseline", podSecurityReason: "operator pods" }).namespace as unknown as KubeObject;
    const inData = (pod: Record<string, unknown>): KubeObject => ({ ...deployment(pod), metadata: { ...deployment(pod).metadata, namespace: "matrix-data" } });
    // Runs as root and may escalate: baseline admits it, restricted does not.
    const rootPod = { containers: [{ name: "web", image: "nginx:1.29.3", securityContext: { readOnlyRootFilesystem: true } }] };
    const f = podSecurityFindings("t", [ns, inData(rootPod)]);
    assert.ok(f.some((x) => x.object === "matrix-data/Deployment/web" && /^restricted: /.test(x.message)), f.map((x) => x.message).join("\n"));
    assert.deepEqual(podSecurityFindings("t", [ns, inData(goodPod)]), []);
  });

  it("network: every namespace used must be the stack's own and start from default-deny", () => {
    const m = stackNamespaceManifests({ name: "matrix" });
    const objects = [m.namespace, ...m.policies, deployment(goodPod)] as unknown as KubeObject[];
    assert.deepEqual(networkFindings("t", objects), []);
    const withoutDeny = objects.filter((o) => o.metadata.name !== "default-deny-all");
    assert.match(networkFindings("t", withoutDeny)[0].message, /default-deny/);
    const stray = [...objects, { ...deployment(goodPod), metadata: { name: "x", namespace: "elsewhere" } }];
    assert.match(networkFindings("t", stray)[0].message, /does not create/);
  });

  it("every skipped checkov check and ignored kube-score test has a reason, once", () => {
    assert.ok(readCheckovSkips().every((s) => s.reason.length > 20));
    assert.ok(readKubeScoreIgnores().every((s) => s.reason.length > 20));
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "skips-")), ".checkov.yaml");
    fs.writeFileSync(tmp, "skip-check:\n  - CKV_K8S_1\n");
    assert.throws(() => readCheckovSkips(tmp), /has no reason/);
    fs.writeFileSync(tmp, "skip-check:\n  - CKV_K8S_1  # a\n  - CKV_K8S_1  # b\n");
    assert.throws(() => readCheckovSkips(tmp), /twice/);
  });
});
