import { strict as assert } from "assert";
import { parseSpec } from "../../config";
import { ConfigValidationError } from "../../config/parse";
import { size } from "../../sizing";
import { allPresetNames, parsePresetName } from "../../stacks/presets";
import { loadStackConfig } from "../../stacks/stack-config";
import { get, one, runPlatform } from "./harness";

/**
 * The managed control planes are not open to the internet: every AWS and GCP preset parses to a
 * private endpoint, and under the mock engine each environment of each cloud registers one (the
 * cluster factories read only `spec.cloud.clusterApi`, so the CCU profile plays no part); a
 * public endpoint admits only the configured ranges.
 */
const CLOUD_PRESETS = allPresetNames().filter((n) => parsePresetName(n)!.platform !== "existing");
const REGISTERED = CLOUD_PRESETS.filter((n) => n.endsWith("-1k"));
const OPERATORS = ["203.0.113.0/24", "198.51.100.7/32"];

function specOf(stack: string, extra: Record<string, string> = {}) {
  const raw = { ...loadStackConfig(stack), ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [`matrix-platform:${k}`, v])) };
  return parseSpec(raw, stack);
}

async function clusterOf(stack: string, extra: Record<string, string> = {}) {
  const spec = specOf(stack, extra);
  // Without extra keys the run is the one tests/platform/presets.test.ts makes: same key, same
  // spec, so one mocha process registers each preset once.
  const key = Object.keys(extra).length === 0 ? `presets-${stack}` : `cluster-api-${stack}-${JSON.stringify(extra)}`;
  const run = await runPlatform(key, spec, size(spec));
  return spec.platform === "aws" ? one(run, "aws:eks/cluster:Cluster") : one(run, "gcp:container/cluster:Cluster");
}

describe("platform: the Kubernetes API endpoint", function () {

  it(`is private in the config of every one of the ${CLOUD_PRESETS.length} AWS and GCP presets`, () => {
    assert.equal(CLOUD_PRESETS.length, 30);
    for (const stack of CLOUD_PRESETS) assert.deepEqual(specOf(stack).cloud.clusterApi, { access: "private", cidrs: [] }, stack);
  });

  it(`is registered private for each environment of each cloud (${REGISTERED.join(", ")})`, async () => {
    assert.equal(REGISTERED.length, 6);
    for (const stack of REGISTERED) {
      const cluster = await clusterOf(stack);
      if (stack.includes("-aws-")) {
        assert.equal(get(cluster.inputs, "vpcConfig.endpointPublicAccess"), false, `${stack}: EKS public endpoint`);
        assert.equal(get(cluster.inputs, "vpcConfig.endpointPrivateAccess"), true, `${stack}: EKS private endpoint`);
        assert.equal(get(cluster.inputs, "vpcConfig.publicAccessCidrs"), undefined, `${stack}: EKS public ranges`);
      } else {
        assert.equal(get(cluster.inputs, "privateClusterConfig.enablePrivateEndpoint"), true, `${stack}: GKE private endpoint`);
        assert.equal(get(cluster.inputs, "masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled"), false, `${stack}: Google ranges`);
        const blocks = get(cluster.inputs, "masterAuthorizedNetworksConfig.cidrBlocks") as { cidrBlock: string }[];
        // Only a private (RFC 1918) range may be authorized on a private endpoint.
        assert.ok(blocks.length > 0 && blocks.every((b) => b.cidrBlock.startsWith("10.")), `${stack}: ${JSON.stringify(blocks)}`);
      }
    }
  });

  it("EKS with public access admits exactly the configured ranges and keeps the private endpoint", async () => {
    const eks = await clusterOf("prod-aws-1k", { clusterApiAccess: "public", clusterApiCidrs: OPERATORS.join(",") });
    assert.equal(get(eks.inputs, "vpcConfig.endpointPublicAccess"), true);
    assert.equal(get(eks.inputs, "vpcConfig.endpointPrivateAccess"), true);
    assert.deepEqual(get(eks.inputs, "vpcConfig.publicAccessCidrs"), OPERATORS);
  });

  it("GKE with public access authorizes exactly the configured ranges", async () => {
    const gke = await clusterOf("prod-gcp-1k", { clusterApiAccess: "public", clusterApiCidrs: OPERATORS.join(", ") });
    assert.equal(get(gke.inputs, "privateClusterConfig.enablePrivateEndpoint"), false);
    assert.deepEqual((get(gke.inputs, "masterAuthorizedNetworksConfig.cidrBlocks") as { cidrBlock: string }[]).map((b) => b.cidrBlock), OPERATORS);
    assert.equal(get(gke.inputs, "masterAuthorizedNetworksConfig.gcpPublicCidrsAccessEnabled"), false);
  });

  describe("config", () => {
    const problemsOf = (stack: string, extra: Record<string, string>) => {
      try {
        specOf(stack, extra);
      } catch (e) {
        if (e instanceof ConfigValidationError) return e.message;
        throw e;
      }
      assert.fail(`expected ${JSON.stringify(extra)} to be refused`);
    };

    it("public access without ranges is refused, naming the missing key", () => {
      assert.match(problemsOf("prod-aws-1k", { clusterApiAccess: "public" }), /matrix-platform:clusterApiCidrs is required: a public cluster API endpoint needs/);
    });

    it("ranges with a private endpoint are refused rather than ignored", () => {
      assert.match(problemsOf("prod-gcp-1k", { clusterApiCidrs: "203.0.113.0/24" }), /clusterApiCidrs = "203\.0\.113\.0\/24" is not allowed: only applies when clusterApiAccess is public/);
    });

    for (const bad of ["0.0.0.0/0", "203.0.113.1/24", "203.0.113.0", "256.1.1.0/24", "10.0.0.0/33", "010.0.0.0/8", "203.0.113.0/24,", "2001:db8::/32"]) {
      it(`the range list "${bad}" is refused with what is allowed`, () => {
        const message = problemsOf("prod-aws-1k", { clusterApiAccess: "public", clusterApiCidrs: bad });
        assert.match(message, /clusterApiCidrs = .* is not allowed: a comma-separated list of IPv4 CIDR blocks/);
      });
    }

    it("the keys are refused on an existing cluster, whose API is not ours to expose", () => {
      assert.match(problemsOf("prod-existing-1k", { clusterApiAccess: "public" }), /clusterApiAccess = "public" is not allowed: only applies to the aws and gcp platforms/);
    });
  });
});
