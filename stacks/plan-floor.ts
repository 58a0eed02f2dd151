/**
 * The least a plan of N resources can cost, for `npm run bench:plan` to divide by: Node's start,
 * loading the Pulumi SDKs the program imports, and N bare resources (no inputs) registered under
 * the same mock engine the plan uses. Everything a plan spends above this is the program's own.
 *
 * Usage: node bin/stacks/plan-floor.js --resources <N>
 */
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../config/parse";
import { runWithMocks } from "./mock-engine";

/** Every SDK the program imports somewhere, loaded whether or not a given stack needs it. */
export const PROGRAM_SDKS = ["@pulumi/pulumi", "@pulumi/kubernetes", "@pulumi/aws", "@pulumi/gcp", "@pulumi/random", "@pulumi/tls"];

/** A resource with no inputs and no outputs: only what registering one costs. */
class BareResource extends pulumi.CustomResource {
  constructor(name: string) {
    super("matrix-platform:bench:Bare", name, {});
  }
}

export async function registerBareResources(count: number): Promise<number> {
  for (const sdk of PROGRAM_SDKS) require(sdk);
  const run = await runWithMocks({
    project: PROJECT,
    stack: "plan-floor",
    config: {},
    program: () => {
      for (let i = 0; i < count; i++) new BareResource(`bare-${i}`);
    },
  });
  return run.resources.filter((r) => r.type !== "pulumi:pulumi:Stack").length;
}

if (require.main === module) {
  const at = process.argv.indexOf("--resources");
  const count = Number(process.argv[at + 1]);
  if (at < 0 || !Number.isInteger(count) || count < 0) {
    console.error("usage: node bin/stacks/plan-floor.js --resources <N>");
    process.exit(2);
  }
  void registerBareResources(count).then((n) => console.log(`${n} bare resources registered`));
}
