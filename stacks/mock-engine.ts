import * as pulumi from "@pulumi/pulumi";
import { installMockFastPaths } from "./mock-fast-paths";
import { mockCall, mockState, readState } from "./mock-outputs";
import { usePlainStructs } from "./mock-struct";

/** One resource as the program registered it. */
export interface RecordedResource {
  type: string;
  name: string;
  /** `<type>::<name>` of the parent, absent for top-level resources. */
  parent?: string;
  /** Custom (provider-managed) resource, as opposed to a component. */
  custom: boolean;
  /** Inputs as the engine received them; secrets stay wrapped (see isSecretValue). */
  inputs: Record<string, unknown>;
  /** Registered with `protect` (the engine refuses to delete or replace it). */
  protect?: boolean;
  /** `<type>::<name>` of each resource given in `dependsOn` (plain resources only; absent when none). */
  dependsOn?: string[];
  /** Read from the cluster (`X.get`), not created: no manifest, nothing to price. */
  read?: true;
}

export interface MockRun {
  resources: RecordedResource[];
  /** Stack outputs, with secret outputs still marked. */
  outputs: Record<string, unknown>;
}

/** The signature Pulumi's RPC layer puts on a secret value. */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

export function isSecretValue(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Deep copy with every secret replaced by `marker` (for files a person reads). */
export function redactSecrets(value: unknown, marker = "[secret]"): unknown {
  if (isSecretValue(value)) return marker;
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, marker));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, marker)]));
  }
  return value;
}

/** Deep copy with every secret unwrapped to its plain value (for tests that inspect content). */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

export interface MockRunOptions {
  project: string;
  stack: string;
  /** Raw config, `{"matrix-platform:key": "value"}`; values are strings as Pulumi passes them. */
  config: Record<string, string>;
  /** Run as `pulumi preview` (isDryRun) instead of `pulumi up`. */
  preview?: boolean;
  /** The program: registers resources and returns the stack outputs. */
  program: () => Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
}

/**
 * Runs a Pulumi program under the mock engine and records every registered resource. Several
 * runs may follow each other in one process; each starts from a fresh mock monitor.
 */
export async function runWithMocks(options: MockRunOptions): Promise<MockRun> {
  installMockFastPaths();
  const restoreStructs = usePlainStructs();
  try {
    return await runMockedProgram(options);
  } finally {
    restoreStructs();
  }
}

async function runMockedProgram(options: MockRunOptions): Promise<MockRun> {
  const resources: RecordedResource[] = [];
  const parents = new Map<string, string>();
  const protectedResources = new Set<string>();
  const dependencies = new Map<string, string[]>();
  const key = (type: string, name: string) => `${type}::${name}`;

  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources.push({
          type: args.type,
          name: args.name,
          parent: parents.get(key(args.type, args.name)),
          custom: args.custom ?? true,
          inputs: args.inputs,
          ...(protectedResources.has(key(args.type, args.name)) ? { protect: true } : {}),
          ...(dependencies.has(key(args.type, args.name)) ? { dependsOn: dependencies.get(key(args.type, args.name)) } : {}),
          ...(args.id ? { read: true as const } : {}),
        });
        // A read answers with what the cluster would hold (mock-outputs.ts readState).
        const state = args.id ? readState(args.type, args.id) : mockState(args.type, args.name, unwrapSecrets(args.inputs) as Record<string, unknown>);
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return mockCall(args.token, unwrapSecrets(args.inputs) as Record<string, unknown>);
      },
    },
    options.project,
    options.stack,
    options.preview ?? false,
  );
  pulumi.runtime.setAllConfig(options.config);

  let raw: Record<string, unknown> = {};
  const outputs = await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const parent = args.opts.parent as (pulumi.Resource & { __pulumiType?: string; __name?: string }) | undefined;
      if (args.opts.protect) protectedResources.add(key(args.type, args.name));
      const deps = ([] as unknown[]).concat(args.opts.dependsOn ?? [])
        .map((d) => d as { __pulumiType?: string; __name?: string })
        .filter((d) => d?.__pulumiType && d.__name)
        .map((d) => key(d.__pulumiType!, d.__name!));
      if (deps.length > 0) dependencies.set(key(args.type, args.name), deps);
      if (parent?.__pulumiType && parent.__name && parent.__pulumiType !== "pulumi:pulumi:Stack") {
        parents.set(key(args.type, args.name), key(parent.__pulumiType, parent.__name));
      }
      return undefined;
    });
    raw = (await options.program()) ?? {};
    return raw;
  });
  // Registrations still in flight (components' registerOutputs, late applies) finish here.
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
  // The engine gets the outputs resolved; keep the secret marking of each as the program made it
  // (Pulumi encrypts those in state), so callers can tell a marked output from a leaked one.
  const resolved = (outputs ?? {}) as Record<string, unknown>;
  const marked: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resolved)) {
    const made = raw[k];
    marked[k] = pulumi.Output.isInstance(made) && (await (made as unknown as { isSecret: Promise<boolean> }).isSecret) ? { [SIG_KEY]: SECRET_SIG, value: v } : v;
  }
  return { resources, outputs: marked };
}
