import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_KEYS, CONFIG_KEY_NAMES, ENVIRONMENTS, PLATFORMS, parseSpec } from "../../config";
import { loadStackConfig } from "../../stacks/stack-config";

const root = path.resolve(__dirname, "../..");
const doc = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
const declared: Record<string, { type?: string; default?: unknown }> = doc.config;

/**
 * What the CLI hands the program (pkg/workspace mergeConfig): the stack's values, plus every
 * declared key the stack does not set, with its declared default printed as a string.
 */
function asTheCliPasses(stackConfig: Record<string, string>): Record<string, string> {
  const merged = { ...stackConfig };
  for (const [key, declaration] of Object.entries(declared)) {
    if (merged[key] === undefined && declaration.default !== undefined) merged[key] = String(declaration.default);
  }
  return merged;
}

/** The spec, or the error message when the config is refused, so both outcomes compare. */
function outcome(config: Record<string, string>, stack: string): unknown {
  try {
    return parseSpec(config, stack);
  } catch (e) {
    return { refused: (e as Error).message };
  }
}

describe("config: Pulumi.yaml never requires a key nor overrides the program's defaults", () => {
  it("declares a default for every key, so `pulumi preview` of a fresh stack asks for none", () => {
    for (const k of CONFIG_KEY_NAMES) assert.notEqual(declared[`matrix-platform:${k}`].default, undefined, k);
  });

  it("a declared type always accepts the declared default (the CLI refuses the project otherwise)", () => {
    for (const k of CONFIG_KEY_NAMES) {
      const d = declared[`matrix-platform:${k}`];
      if (d.type === "integer") assert.ok(/^-?\d+$/.test(String(d.default)), k);
      if (d.type === "boolean") assert.ok(["true", "false"].includes(String(d.default)), k);
      if (d.type === "string") assert.equal(typeof d.default, "string", k);
    }
  });

  it("no key takes the empty string as a value, so reading it as 'unset' loses nothing", () => {
    for (const k of CONFIG_KEY_NAMES) assert.equal(CONFIG_KEYS[k].parse(""), undefined, k);
  });

  for (const stack of ["dev", "prod"]) {
    for (const environment of ENVIRONMENTS) {
      for (const platform of PLATFORMS) {
        it(`${stack} stack as ${platform}/${environment}: the CLI's config parses exactly as the stack's own`, () => {
          const own = { ...loadStackConfig(stack, [root]), "matrix-platform:environment": environment, "matrix-platform:platform": platform };
          assert.deepEqual(outcome(asTheCliPasses(own), stack), outcome(own, stack));
        });
      }
    }
  }

  it("an empty stack (stack init, nothing set) parses as the program's defaults", () => {
    const spec = parseSpec(asTheCliPasses({}), "dev");
    assert.deepEqual(spec, parseSpec({}, "dev"));
    assert.deepEqual([spec.platform, spec.environment], ["existing", "dev"]);
  });

  it("numbers and switches set through the CLI arrive as strings and parse", () => {
    const spec = parseSpec(asTheCliPasses({ "matrix-platform:ccu": "1000", "matrix-platform:monitoring": "false" }), "dev");
    assert.deepEqual([spec.ccu, spec.features.monitoring], [1000, false]);
  });
});

describe("config: credentials under the real engine", () => {
  const P = "matrix-platform";
  const base = { [`${P}:alertPagerdutyRoutingKey`]: "0123456789abcdef0123456789abcdef", [`${P}:monitoring`]: "true" };
  it("refuses a credential set in plain when the engine lists the secure keys, naming the command, never the value", () => {
    let message = "";
    try {
      parseSpec(base, "dev", { secretKeys: [], secretKeysKnown: true });
    } catch (e) {
      message = (e as Error).message;
    }
    assert.match(message, /matrix-platform:alertPagerdutyRoutingKey = .* is not allowed: a secret value: set it with `pulumi config set --secret alertPagerdutyRoutingKey`/);
    assert.ok(!message.includes("0123456789abcdef0123456789abcdef"), "the value is not echoed");
  });
  it("accepts it set with --secret, a kubeconfig path in plain, and plain values where the engine's list is not known (mock plan, tests)", () => {
    assert.doesNotThrow(() => parseSpec(base, "dev", { secretKeys: [`${P}:alertPagerdutyRoutingKey`], secretKeysKnown: true }));
    assert.doesNotThrow(() => parseSpec({ [`${P}:kubeconfig`]: "/home/ops/.kube/config" }, "dev", { secretKeys: [], secretKeysKnown: true }));
    assert.doesNotThrow(() => parseSpec(base, "dev"));
  });
});
