/**
 * Stack policies under `pulumi preview`: CrossGuard's proxy throws on every unknown value, which
 * made each of the ten policies "can't run during preview" (advisory) on a stack being created.
 * Found by the real engine; here with the policy SDK's own proxy.
 */
import { strict as assert } from "assert";
import { PACK_POLICIES } from "../../policy/pack";
import { UNKNOWN_DURING_PREVIEW, knownValues } from "../../policy/known-values";

// The proxy CrossGuard wraps properties in, and Pulumi's wire sentinel for an unknown string
// (both internal to the SDK, so untyped in its declarations).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownCheckingProxy, unknownStringValue } = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(value: T): T; unknownStringValue: string };
const deployment = (image: string) => ({
  metadata: { name: "web", namespace: "matrix" },
  spec: { template: { spec: { containers: [{ name: "web", image, resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "1", memory: "1Gi" } } }] } } },
});

describe("policy pack: unknown values during preview", () => {
  it("knownValues copies what is known and marks each unknown, instead of stopping at the first", () => {
    const props = unknownCheckingProxy({ a: "x", b: unknownStringValue, list: [1, unknownStringValue], nested: { c: unknownStringValue, d: true } });
    assert.throws(() => JSON.stringify(props), /can't be known during preview/);
    assert.deepEqual(knownValues(props), { a: "x", b: UNKNOWN_DURING_PREVIEW, list: [1, UNKNOWN_DURING_PREVIEW], nested: { c: UNKNOWN_DURING_PREVIEW, d: true } });
  });

  it("pinned-images runs on a previewed stack: an unknown digest is left to the update, a latest tag is still a violation", async () => {
    const policy = PACK_POLICIES.find((p) => p.name === "pinned-images")!;
    const report = async (...images: string[]) => {
      const got: string[] = [];
      const resources = images.map((image, i) => ({ type: "kubernetes:apps/v1:Deployment", name: `web-${i}`, urn: `urn:pulumi:dev::matrix-platform::kubernetes:apps/v1:Deployment::web-${i}`, props: unknownCheckingProxy(deployment(image)) }));
      const args = { resources, stackTags: new Map(), getConfig: () => ({}), notApplicable: () => { throw new Error("n/a"); } };
      await policy.validateStack(args as never, (message: string) => got.push(message));
      return got;
    };
    assert.deepEqual(await report(unknownStringValue), []);
    const violations = await report(unknownStringValue, "docker.io/library/nginx:latest");
    assert.equal(violations.length, 1, violations.join("\n"));
    assert.match(violations[0], /latest/);
  });
});
