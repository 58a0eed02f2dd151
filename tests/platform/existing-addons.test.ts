/**
 * `existingAddons`: add-ons the cluster already runs. The stack then installs no release, keeps
 * out of the add-on's namespace, reads the CRDs it writes resources of and checks them, and its
 * custom resources depend on those reads.
 */
import { strict as assert } from "assert";
import { CHART_IMAGES, stackArtifacts } from "../../catalog/image-list";
import { imageRef } from "../../catalog/images";
import { ConfigValidationError, parseSpec, PROJECT } from "../../config";
import { existingCrdProblem } from "../../components/k8s/existing-addon";
import { loadStackConfig } from "../../stacks/stack-config";
import { runStack } from "../helpers/run-stack";

const P = PROJECT;
const refusal = (raw: Record<string, string>, stack = "dev"): string => {
  try {
    parseSpec({ ...loadStackConfig(stack), ...Object.fromEntries(Object.entries(raw).map(([k, v]) => [`${P}:${k}`, v])) }, stack);
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.message;
    throw e;
  }
  return "accepted";
};

describe("existing add-ons: the CRD check", () => {
  const writes = ["v1"];
  it("accepts a CRD serving the version written, with or without a release label", () => {
    assert.equal(existingCrdProblem("cert-manager", "certificates.cert-manager.io", writes, { versions: [{ name: "v1", served: true }], labels: { "app.kubernetes.io/version": "v1.21.2" } }), undefined);
    assert.equal(existingCrdProblem("cert-manager", "certificates.cert-manager.io", writes, { versions: [{ name: "v1", served: true }] }), undefined);
  });
  it("names the key, the CRD, what it serves and what is written when the version is not served", () => {
    const p = existingCrdProblem("cert-manager", "certificates.cert-manager.io", writes, { versions: [{ name: "v1alpha2", served: true }, { name: "v1", served: false }] });
    assert.match(p!, /^matrix-platform:existingAddons names cert-manager, but the cluster's CRD certificates.cert-manager.io serves v1alpha2, not v1, which the stack writes/);
  });
  it("refuses a release older than the stack needs, with the reason", () => {
    const p = existingCrdProblem("cert-manager", "clusterissuers.cert-manager.io", writes, { versions: [{ name: "v1", served: true }], labels: { "app.kubernetes.io/version": "v1.19.3" } });
    assert.match(p!, /runs v1.19.3 \(label of clusterissuers.cert-manager.io\); the stack needs v1.20.0 or later: Gateway API http01/);
    assert.equal(existingCrdProblem("cert-manager", "clusterissuers.cert-manager.io", writes, { versions: [{ name: "v1", served: true }], labels: { "app.kubernetes.io/version": "v2.0.0" } }), undefined);
  });
});

describe("config: existingAddons", () => {
  it("takes cert-manager and the cluster autoscaler; defaults to none", () => {
    assert.deepEqual(parseSpec({ ...loadStackConfig("dev"), [`${P}:existingAddons`]: "cert-manager" }, "dev").existingAddons, ["cert-manager"]);
    assert.deepEqual(parseSpec(loadStackConfig("dev"), "dev").existingAddons, []);
  });
  it("refuses add-ons the stack must install itself, saying why", () => {
    assert.match(refusal({ existingAddons: "envoy-gateway" }), /existingAddons = "envoy-gateway" is not allowed: a comma-separated list of cert-manager, cluster-autoscaler.*network policies name their pods' namespaces/);
    assert.match(refusal({ existingAddons: "cert-manager,cert-manager" }), /existingAddons = "cert-manager,cert-manager" is not allowed/);
  });
  it("refuses an add-on this platform does not install, and one with a local chart as well", () => {
    assert.match(refusal({ existingAddons: "cluster-autoscaler" }), /does not install cluster-autoscaler \(platform existing\)/);
    assert.match(refusal({ existingAddons: "cert-manager", addonCharts: "cert-manager=/srv/charts/cert-manager" }), /without a local chart in addonCharts \(cert-manager has one\)/);
  });
});

describe("existing add-ons in the program (mock engine)", function () {
  it("an existing cert-manager: no release, no namespace or policy of the stack's in cert-manager, CRDs read and depended on, nothing to scrape or mirror", async () => {
    const run = await runStack("dev", { existingAddons: "cert-manager", monitoring: "true" });
    const releases = run.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.inputs.name);
    assert.ok(!releases.includes("cert-manager") && releases.includes("envoy-gateway"), String(releases));
    const inCertManagerNs = run.resources.filter((r) => !r.read && r.type.startsWith("kubernetes:") && ((r.inputs.metadata as { namespace?: string; name?: string } | undefined)?.namespace === "cert-manager" || (r.type === "kubernetes:core/v1:Namespace" && (r.inputs.metadata as { name: string }).name === "cert-manager")));
    // Only the stack's own CA Certificates live there (cert-manager's cluster resource namespace).
    assert.deepEqual([...new Set(inCertManagerNs.map((r) => r.type))], ["kubernetes:cert-manager.io/v1:Certificate"]);
    const reads = run.resources.filter((r) => r.read).map((r) => `${r.type}::${r.name}`);
    assert.deepEqual(reads.map((k) => k.split("::")[1]).sort(), ["platform-addons-existing-cert-manager-certificates.cert-manager.io", "platform-addons-existing-cert-manager-clusterissuers.cert-manager.io"]);
    const certManagerKinds = run.resources.filter((r) => r.type.startsWith("kubernetes:cert-manager.io/"));
    assert.ok(certManagerKinds.length > 3);
    for (const r of certManagerKinds) assert.ok((r.dependsOn ?? []).some((d) => reads.includes(d)), `${r.type} ${r.name} depends on the CRD reads`);
    assert.ok(!run.resources.some((r) => r.type === "kubernetes:monitoring.coreos.com/v1:PodMonitor" && r.name.endsWith("-cert-manager")), "no cert-manager PodMonitor");
    const images = stackArtifacts(run.spec).images;
    for (const image of CHART_IMAGES.certManager) assert.ok(!images.includes(imageRef(image)), image);
    assert.ok(!stackArtifacts(run.spec).charts.some((c) => c.name === "certManager"));
  });

  it("an existing cluster autoscaler on AWS: no release and no IAM role for it", async () => {
    const run = await runStack("prod", { existingAddons: "cluster-autoscaler" });
    assert.ok(!run.resources.some((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.inputs.name === "cluster-autoscaler"));
    assert.ok(!run.resources.some((r) => r.type.startsWith("aws:iam/") && r.name.includes("cluster-autoscaler")));
    const withIt = await runStack("prod");
    assert.ok(withIt.resources.some((r) => r.type.startsWith("aws:iam/") && r.name.includes("cluster-autoscaler")), "the role exists when the stack installs it");
  });
});
