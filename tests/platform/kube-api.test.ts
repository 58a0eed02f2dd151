import { strict as assert } from "assert";
import { NAMESPACES } from "../../catalog/namespaces";
import { parseSpec } from "../../config";
import { isFlowAllowed, type NetworkPolicyManifest } from "../../components/k8s/network";
import { existingKubeApi } from "../../components/platform/existing";
import { size } from "../../sizing";
import { loadStackConfig } from "../../stacks/stack-config";
import { ofType, runPlatform, type PlatformRun } from "./harness";

/**
 * Controllers reach the Kubernetes API at the platform's API server address only: EKS's
 * control-plane ENIs in the private subnets, GKE's control-plane /28, an existing cluster's
 * configured endpoint ranges. Proved on the NetworkPolicies each platform registers.
 */
const EDGE = { namespace: NAMESPACES.edge, labels: {} };
const CERT_MANAGER = { namespace: NAMESPACES.certManager, labels: {} };
const OPERATORS = { namespace: NAMESPACES.operators, labels: {} };
const POSTGRES = { namespace: NAMESPACES.data, labels: { "cnpg.io/podRole": "instance", "cnpg.io/cluster": "matrix-pg" } };

/** Same key and spec as tests/platform/presets.test.ts, so one mocha process registers each once. */
function preset(stack: string, extra: Record<string, string> = {}): Promise<PlatformRun> {
  const spec = parseSpec({ ...loadStackConfig(stack), ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`matrix-platform:${k}`, v])) }, stack);
  return runPlatform(Object.keys(extra).length ? `kube-api-${stack}` : `presets-${stack}`, spec, size(spec));
}

function policies(run: PlatformRun): NetworkPolicyManifest[] {
  return ofType(run, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.inputs as unknown as NetworkPolicyManifest);
}

describe("platform: egress to the Kubernetes API is narrowed to the API server", function () {

  it("AWS: the control-plane ENIs' private subnets on 443, nothing else", async () => {
    const run = await preset("prod-aws-1k");
    const p = policies(run);
    assert.deepEqual((run.outputs.platform as any).kind, "aws");
    for (const from of [EDGE, CERT_MANAGER]) {
      assert.ok(isFlowAllowed(p, from, { ip: "10.40.33.17" }, 443), `${from.namespace} -> EKS ENI`);
      assert.equal(isFlowAllowed(p, from, { ip: "10.40.33.17" }, 6443), false, `${from.namespace} -> 6443`);
      assert.equal(isFlowAllowed(p, from, { ip: "10.99.0.1" }, 443), false, `${from.namespace} -> another private address`);
    }
    assert.equal(isFlowAllowed(p, EDGE, { ip: "203.0.113.9" }, 443), false, "Envoy Gateway -> the internet");
  });

  it("GCP: the private control plane's /28 on 443, nothing else", async () => {
    const p = policies(await preset("prod-gcp-1k"));
    for (const from of [EDGE, CERT_MANAGER]) {
      assert.ok(isFlowAllowed(p, from, { ip: "172.16.0.2" }, 443), `${from.namespace} -> GKE control plane`);
      assert.equal(isFlowAllowed(p, from, { ip: "172.16.0.18" }, 443), false, `${from.namespace} -> outside the /28`);
      assert.equal(isFlowAllowed(p, from, { ip: "10.50.0.9" }, 443), false, `${from.namespace} -> a node address`);
    }
    assert.equal(isFlowAllowed(p, EDGE, { ip: "203.0.113.9" }, 443), false, "Envoy Gateway -> the internet");
  });

  it("existing cluster: the configured endpoint ranges on 443 and 6443 for operators and CloudNativePG", async () => {
    const p = policies(await preset("prod-existing-1k", { kubeApiCidrs: "192.168.10.0/29,192.168.20.5/32" }));
    for (const from of [OPERATORS, POSTGRES, EDGE, CERT_MANAGER]) {
      assert.ok(isFlowAllowed(p, from, { ip: "192.168.10.3" }, 6443), `${from.namespace} -> kubeadm API`);
      assert.ok(isFlowAllowed(p, from, { ip: "192.168.20.5" }, 443), `${from.namespace} -> API VIP`);
      assert.equal(isFlowAllowed(p, from, { ip: "192.168.10.9" }, 6443), false, `${from.namespace} -> outside the ranges`);
    }
    assert.equal(isFlowAllowed(p, OPERATORS, { ip: "203.0.113.9" }, 443), false, "operators -> the internet");
    assert.equal(isFlowAllowed(p, POSTGRES, { ip: "203.0.113.9" }, 6443), false, "CloudNativePG -> the internet");
  });

  it("existing cluster without ranges falls back to any address, only on the API ports", async () => {
    assert.deepEqual(existingKubeApi(undefined), { cidrs: ["0.0.0.0/0"], ports: [443, 6443] });
    const p = policies(await preset("prod-existing-1k"));
    assert.ok(isFlowAllowed(p, OPERATORS, { ip: "203.0.113.9" }, 6443));
    assert.equal(isFlowAllowed(p, OPERATORS, { ip: "203.0.113.9" }, 80), false);
  });

  it("kubeApiCidrs is refused on the clouds, whose API server address the platform knows", () => {
    assert.throws(
      () => parseSpec({ ...loadStackConfig("prod-aws-1k"), "matrix-platform:kubeApiCidrs": "10.0.0.0/24" }, "prod-aws-1k"),
      /kubeApiCidrs = "10\.0\.0\.0\/24" is not allowed: only applies to the existing platform, not aws/,
    );
  });
});
