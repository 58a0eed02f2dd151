import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { isSecretValue, runWithMocks } from "../../stacks/mock-engine";

class Probe extends pulumi.CustomResource {
  constructor(name: string, inputs: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
    super("matrix-platform:test:Probe", name, inputs, opts);
  }
}

describe("mock engine fast paths (stacks/mock-fast-paths.ts)", () => {
  it("records inputs and resolves outputs exactly as before: nested values, secrets, outputs of other resources", async () => {
    const run = await runWithMocks({
      project: "matrix-platform",
      stack: "fast-paths",
      config: {},
      program: () => {
        const a = new Probe("a", { list: [1, "two", null, { deep: true }], name: "alpha" });
        const b = new Probe("b", { fromA: (a as unknown as { name: pulumi.Output<string> }).name, secret: pulumi.secret("s3cret") });
        return { echoed: (b as unknown as { fromA: pulumi.Output<string> }).fromA };
      },
    });
    const byName = new Map(run.resources.map((r) => [r.name, r.inputs]));
    assert.deepStrictEqual(byName.get("a"), { list: [1, "two", null, { deep: true }], name: "alpha" });
    assert.strictEqual(byName.get("b")?.fromA, "alpha");
    const secret = byName.get("b")?.secret;
    assert.ok(isSecretValue(secret) && secret.value === "s3cret");
    assert.strictEqual(run.outputs.echoed, "alpha");
  });

  it("leaves stack traces intact for the program: an error thrown while resources register still says where", async () => {
    const before = Error.stackTraceLimit;
    let stack = "";
    await runWithMocks({
      project: "matrix-platform",
      stack: "fast-paths-error",
      config: {},
      program: async () => {
        const p = new Probe("p", { value: "x" });
        await new Promise<void>((resolve) => (p as unknown as { value: pulumi.Output<string> }).value.apply(() => resolve()));
        stack = new Error("program bug").stack ?? "";
      },
    });
    assert.strictEqual(Error.stackTraceLimit, before);
    assert.match(stack, /mock-fast-paths\.test\.ts:\d+/);
  });
});
