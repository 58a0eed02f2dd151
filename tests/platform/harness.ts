import * as pulumi from "@pulumi/pulumi";
import type { PlatformSpec } from "../../config";
import { runWithMocks, type MockRun, type RecordedResource } from "../../stacks/mock-engine";
import type { Sizing } from "../../sizing/types";
import { NODE_TIERS } from "../../sizing/types";
import type { Platform } from "../../components/contracts";

export interface PlatformRun extends MockRun {
  spec: PlatformSpec;
  sizing: Sizing;
  /** Placement per tier, computed by the platform. */
  placements: Record<string, ReturnType<Platform["placement"]>>;
  /** Resources the platform says the stack must wait for. */
  readyCount: number;
  /** pulumi.isSecret of every credential output, keyed by its path in Platform. */
  secrecy: Record<string, boolean>;
}

const cache = new Map<string, Promise<PlatformRun>>();

/**
 * Runs createPlatform alone under the mock engine (no Matrix stack) and returns every
 * registered resource plus the Platform's outputs as stack outputs (`platform`), secrets still
 * marked. Cached per key within a mocha process.
 */
export function runPlatform(key: string, spec: PlatformSpec, sizing: Sizing): Promise<PlatformRun> {
  let run = cache.get(key);
  if (!run) {
    run = (async () => {
      const { createPlatform } = await import("../../components/platform");
      let placements: PlatformRun["placements"] = {};
      let readyCount = 0;
      const secretChecks: Record<string, Promise<boolean>> = {};
      const result = await runWithMocks({
        project: "matrix-platform",
        stack: spec.stack,
        config: {},
        program: () => {
          const p = createPlatform("platform", spec, sizing);
          placements = Object.fromEntries(NODE_TIERS.map((t) => [t, p.placement(t)]));
          readyCount = p.ready.length;
          for (const [db, c] of Object.entries(p.databases)) secretChecks[`databases.${db}.password`] = pulumi.isSecret(c.password);
          secretChecks["redis.password"] = pulumi.isSecret(p.redis.password);
          if (p.objectStore.credentials) {
            secretChecks["objectStore.credentials.accessKeyId"] = pulumi.isSecret(p.objectStore.credentials.accessKeyId);
            secretChecks["objectStore.credentials.secretAccessKey"] = pulumi.isSecret(p.objectStore.credentials.secretAccessKey);
          }
          return {
            platform: {
              kind: p.kind,
              kubernetesVersion: p.kubernetesVersion,
              storageClass: p.storageClass,
              databases: p.databases,
              objectStore: p.objectStore,
              redis: p.redis,
              gateway: p.gateway,
              clusterIssuer: p.clusterIssuer,
              internalCaIssuer: p.internalCaIssuer,
              // How the LI sync verifies main (its endpoints' trust and the subscription's TLS).
              ...(p.liSync ? { liSyncTls: { readTrust: p.liSync.main.readTrust, primaryTrust: p.liSync.main.primaryTrust, subscriptionTls: p.liSync.main.subscriptionTls } } : {}),
              databaseMetrics: p.databaseMetrics && { sslMode: p.databaseMetrics.sslMode, endpoints: p.databaseMetrics.endpoints },
              providerUrn: p.provider.urn,
            } as unknown as pulumi.Input<object>,
          };
        },
      });
      const secrecy = Object.fromEntries(await Promise.all(Object.entries(secretChecks).map(async ([k, v]) => [k, await v] as const)));
      return { ...result, spec, sizing, placements, readyCount, secrecy };
    })();
    cache.set(key, run);
  }
  return run;
}

export function ofType(run: MockRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export function one(run: MockRun, type: string, nameIncludes = ""): RecordedResource {
  const found = ofType(run, type).filter((r) => r.name.includes(nameIncludes));
  if (found.length !== 1) throw new Error(`expected one ${type} named *${nameIncludes}*, found ${found.map((r) => r.name).join(", ") || "none"}`);
  return found[0];
}

/** Deep property access on recorded inputs: get(r.inputs, "spec.postgresql.parameters"). */
export function get(obj: unknown, path: string): any {
  return path.split(".").reduce<any>((o, k) => (o === undefined || o === null ? undefined : o[k]), obj);
}
