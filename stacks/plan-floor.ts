/**
 * The least a plan of N resources can cost, for `npm run bench:plan` to divide by: Node's start,
 * loading the Pulumi SDK files the measured plan loads (recorded by stacks/sdk-recorder.ts), and N
 * bare resources (no inputs) registered under the same mock engine the plan uses. Everything a
 * plan spends above this is the program's own.
 *
 * Usage: node bin/stacks/plan-floor.js --resources <N> --sdk-files <file.json>
 */
// First: the SDK loads below must find the deferred dependencies in place (stacks/lazy-sdk-deps.ts).
import "./lazy-sdk-deps";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../config/parse";
import { runWithMocks } from "./mock-engine";

/** A resource with no inputs and no outputs: only what registering one costs. */
class BareResource extends pulumi.CustomResource {
  constructor(name: string) {
    super("matrix-platform:bench:Bare", name, {});
  }
}

/** Loads the given SDK files (absolute paths, in the plan's load order). */
export function loadSdkFiles(files: string[]): void {
  for (const f of files) require(f);
}

export async function registerBareResources(count: number): Promise<number> {
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

const USAGE = "usage: node bin/stacks/plan-floor.js --resources <N> --sdk-files <file.json>";

if (require.main === module) {
  const option = (name: string) => {
    const at = process.argv.indexOf(name);
    return at < 0 ? undefined : process.argv[at + 1];
  };
  const count = Number(option("--resources"));
  const sdkFilesJson = option("--sdk-files");
  if (!Number.isInteger(count) || count < 0 || !sdkFilesJson) {
    console.error(USAGE);
    process.exit(2);
  }
  loadSdkFiles(JSON.parse(fs.readFileSync(sdkFilesJson, "utf8")) as string[]);
  void registerBareResources(count).then((n) => console.log(`${n} bare resources registered`));
}
