/**
 * Every custom resource the program writes carries, in what it registers, a dependency on the
 * release that installs its CRDs (catalog/addons.ts). A component's dependsOn is not inherited
 * by its children, so this is checked per resource, on stacks with every system deployed, on the
 * three platforms.
 */
import { strict as assert } from "assert";
import { ADDONS, addonOfApiGroup, type CrdKind } from "../../catalog/addons";
import { CHARTS } from "../../catalog/charts";
import { LI_ON, runStack, type StackRun } from "../helpers/run-stack";

const EVERYTHING = {
  monitoring: "true", rtc: "true", antivirus: "true", ...LI_ON,
  bridges: "true", telegramApiId: "123456", telegramApiHash: "0123456789abcdef0123456789abcdef", bridgeAdmins: "@ops:example.org",
};

/** `kubernetes:cert-manager.io/v1:Certificate` -> `cert-manager.io`; undefined for other types. */
const groupOfType = (type: string): string | undefined => /^kubernetes:([^/:]+)\/[^:]+:/.exec(type)?.[1];

function crdDependencyGaps(run: StackRun): string[] {
  const byKey = new Map(run.resources.map((r) => [`${r.type}::${r.name}`, r]));
  const gaps: string[] = [];
  for (const r of run.resources) {
    const group = groupOfType(r.type);
    const addon = group === undefined ? undefined : addonOfApiGroup(group);
    if (addon === undefined) continue;
    const chart = CHARTS[ADDONS[addon].chart].chart;
    const releases = (r.dependsOn ?? []).map((k) => byKey.get(k)).filter((d) => d?.type === "kubernetes:helm.sh/v3:Release");
    if (!releases.some((d) => String(d!.inputs.chart).split("/").pop() === chart)) gaps.push(`${r.type} ${r.name} (needs the ${addon} release)`);
  }
  return gaps;
}

describe("custom resources depend on the release that defines their kind", function () {
  for (const [stack, overrides] of [
    ["dev", EVERYTHING],
    ["prod", { ...EVERYTHING, domain: "example.org" }],
    ["prod-gcp-5k", EVERYTHING],
    ["prod-existing-1k", { ...EVERYTHING, internalMtls: "true" }],
  ] as const) {
    it(`${stack}: every custom resource of an add-on's API group names that add-on's release in dependsOn`, async () => {
      const run = await runStack(stack, overrides);
      const custom = run.resources.filter((r) => addonOfApiGroup(groupOfType(r.type) ?? "") !== undefined);
      assert.ok(custom.length > 20, `${stack} registers custom resources (${custom.length})`);
      assert.deepEqual(crdDependencyGaps(run), []);
      // Every kind written is in its add-on's CRD list (what an existing add-on is checked for).
      const unlisted = custom.map((r) => /^kubernetes:([^/]+)\/([^:]+):(.+)$/.exec(r.type)!).filter(([, group, version, k]) =>
        !(ADDONS[addonOfApiGroup(group)!].crds as readonly CrdKind[]).some((c) => c.group === group && c.version === version && c.kind === k));
      assert.deepEqual([...new Set(unlisted.map((m) => m[0]))], []);
    });
  }

  it("finds a custom resource registered without its provider", async () => {
    const run = await runStack("dev");
    const route = run.resources.find((r) => r.type === "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")!;
    const stripped = { ...run, resources: run.resources.map((r) => (r === route ? { ...r, dependsOn: [] } : r)) };
    assert.deepEqual(crdDependencyGaps(stripped), [`${route.type} ${route.name} (needs the envoy-gateway release)`]);
  });
});
