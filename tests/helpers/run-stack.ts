import { PROJECT, parseSpec, type PlatformSpec } from "../../config";
import { size } from "../../sizing";
import { runWithMocks, type MockRun, type RecordedResource } from "../../stacks/mock-engine";
import { loadStackConfig } from "../../stacks/stack-config";
import type { NetworkFlows } from "../../components/k8s/network";
import type { ProgramObserver } from "../../program";

export interface StackRun extends MockRun {
  stack: string;
  spec: PlatformSpec;
  config: Record<string, string>;
  /** The run's flow registry (declared flows, namespaces the stack creates). */
  flows: NetworkFlows;
}

const cache = new Map<string, Promise<StackRun>>();

/**
 * The overrides that switch LI on for a stack (it needs the investigators' ranges). Tests of LI
 * share this one set, so their runs of a stack hit the same cache entry.
 */
export const LI_ON: Record<string, string> = { li: "true", liInvestigatorCidrs: "203.0.113.0/24,198.51.100.7/32" };

/**
 * Runs the whole program under the mock engine for a stack (a Pulumi.<stack>.yaml or a preset
 * name such as `prod-gcp-20k`), optionally with config overrides. Runs are cached per
 * stack+overrides within a mocha process because each one registers hundreds of resources.
 * The program module is imported lazily, after the mocks are in place.
 */
export function runStack(stack: string, overrides: Record<string, string> = {}): Promise<StackRun> {
  const cacheKey = `${stack}|${JSON.stringify(overrides)}`;
  let run = cache.get(cacheKey);
  if (!run) {
    run = (async () => {
      const config = { ...loadStackConfig(stack), ...Object.fromEntries(Object.entries(overrides).map(([k, v]) => [`${PROJECT}:${k}`, v])) };
      const { program } = await import("../../program");
      const spec = parseSpec(config, stack);
      const seen: ProgramObserver = {};
      const result = await runWithMocks({ project: PROJECT, stack, config, program: () => program(spec, size(spec), seen) });
      return { ...result, stack, config, spec, flows: seen.flows! };
    })();
    cache.set(cacheKey, run);
  }
  return run;
}

/** Resources of one type (e.g. "kubernetes:apps/v1:Deployment"). */
export function ofType(run: MockRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}
