/**
 * `npm run diagram`: regenerates docs/architecture-dev.{dot,svg}, the dev stack's architecture
 * as the README shows it (the same picture `npm run plan` writes into out/dev/).
 * tests/stacks/diagram.test.ts fails when the committed files are not what this writes.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT, parseSpec } from "../config";
import { size } from "../sizing";
import type { ProgramObserver } from "../program";
import { renderSvg, stackDiagramDot } from "./architecture";
import { runWithMocks } from "./mock-engine";
import { PROJECT_ROOT, loadStack } from "./stack-config";

export const DEV_DIAGRAM = { dot: path.join(PROJECT_ROOT, "docs/architecture-dev.dot"), svg: path.join(PROJECT_ROOT, "docs/architecture-dev.svg") };

/** The DOT of one stack, from a run of the program under the mock engine. */
export async function diagramDot(stack: string): Promise<string> {
  const { config, secretKeys } = loadStack(stack);
  const spec = parseSpec(config, stack, { secretKeys });
  const sizing = size(spec);
  const { program } = await import("../program");
  const seen: ProgramObserver = {};
  await runWithMocks({ project: PROJECT, stack, config, program: () => program(spec, sizing, seen) });
  return stackDiagramDot(stack, spec, seen.flows!);
}

async function main(): Promise<void> {
  const dot = await diagramDot("dev");
  const svg = renderSvg(dot);
  if ("missing" in svg) {
    console.error(`diagram: ${svg.missing}`);
    process.exit(1);
  }
  fs.writeFileSync(DEV_DIAGRAM.dot, dot);
  fs.writeFileSync(DEV_DIAGRAM.svg, svg.svg);
  console.log(`wrote ${path.relative(process.cwd(), DEV_DIAGRAM.dot)} and ${path.relative(process.cwd(), DEV_DIAGRAM.svg)}`);
}

if (require.main === module) void main();
