/**
 * ConfigMaps are updated in place (components/platform/kube-provider.ts), so nothing replaces
 * the pods that read one when it changes: each reader's pod template must carry a digest of what
 * it reads, and a change of the data must change that template (a rollout, or a new Job).
 * Secrets keep the provider's default (replaced on change, so a rotated credential restarts its
 * readers), which makes a Secret that a profile change rewrites a replacement of everything
 * that reads it: none may.
 */
import { strict as assert } from "assert";
import { manifestsFrom, type KubeObject } from "../../stacks/manifests";
import { podTemplateOf } from "../../components/k8s/pod-security-check";
import { comparable } from "../../scripts/dump-rendered";
import { runStack, ofType, LI_ON } from "../helpers/run-stack";

type PodTemplate = { metadata?: { annotations?: Record<string, string> }; spec?: Record<string, any> };

const podTemplate = (o: KubeObject) => podTemplateOf(o) as PodTemplate | undefined;

/** The ConfigMaps a pod template reads: volumes, projections, envFrom and env references. */
function configMapsRead(t: PodTemplate): string[] {
  const names = new Set<string>();
  const spec = t.spec ?? {};
  for (const v of spec.volumes ?? []) {
    if (v.configMap) names.add(v.configMap.name);
    for (const p of v.projected?.sources ?? []) if (p.configMap) names.add(p.configMap.name);
  }
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    for (const e of c.envFrom ?? []) if (e.configMapRef) names.add(e.configMapRef.name);
    for (const e of c.env ?? []) if (e.valueFrom?.configMapKeyRef) names.add(e.valueFrom.configMapKeyRef.name);
  }
  return [...names];
}

const id = (o: KubeObject) => `${o.metadata.namespace ?? ""}/${o.kind}/${o.metadata.name ?? "(generated)"}`;

async function objects(stack: string, overrides: Record<string, string> = {}): Promise<KubeObject[]> {
  return manifestsFrom((await runStack(stack, overrides)).resources).map((m) => m.object as KubeObject);
}

/** Each workload reading a ConfigMap the stack creates, with the names it reads. */
function readers(objs: KubeObject[]): { workload: KubeObject; template: PodTemplate; reads: string[] }[] {
  const maps = new Set(objs.filter((o) => o.kind === "ConfigMap").map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
  return objs.flatMap((workload) => {
    const template = podTemplate(workload);
    if (!template) return [];
    const reads = configMapsRead(template).filter((n) => maps.has(`${workload.metadata.namespace}/${n}`));
    return reads.length ? [{ workload, template, reads }] : [];
  });
}

describe("ConfigMaps updated in place, their readers rolled", function () {

  it("every platform's Kubernetes provider updates ConfigMaps in place", async () => {
    for (const stack of ["dev", "prod-existing-1k", "prod-aws-1k", "prod-gcp-1k"]) {
      const providers = ofType(await runStack(stack), "pulumi:providers:kubernetes");
      assert.ok(providers.length > 0, stack);
      // The mock engine records provider inputs as the engine gets them (JSON-encoded strings).
      for (const p of providers) assert.equal(String(p.inputs.enableConfigMapMutable), "true", `${stack}: ${p.name}`);
    }
  });

  for (const [stack, overrides] of [["dev", {}], ["prod-existing-1k", LI_ON], ["prod-aws-1k", LI_ON], ["prod-gcp-1k", LI_ON]] as const) {
    it(`${stack}: every pod template that reads a ConfigMap of the stack carries a digest of it`, async () => {
      const found = readers(await objects(stack, overrides));
      assert.ok(found.length >= 10, `${stack}: only ${found.length} readers found`);
      const missing = found
        .filter((r) => !Object.keys(r.template.metadata?.annotations ?? {}).some((k) => /^matrix-platform\.io\/(config|ca)-checksum$/.test(k)))
        .map((r) => `${id(r.workload)} reads ${r.reads.join(", ")}`);
      assert.deepEqual(missing, []);
    });
  }

  // A profile change rewrites homeserver.yaml (pool sizes), HAProxy's config and Redis' memory.
  for (const [stack, from, to] of [["dev", "100", "1k"], ["prod-existing-1k", "1k", "20k"]] as const) {
    it(`${stack}: a profile change ${from} → ${to} changes the pod template of every reader of a changed ConfigMap`, async () => {
      const before = await objects(stack, { profile: from });
      const after = new Map((await objects(stack, { profile: to })).map((o) => [id(o), o]));
      const changedMaps = new Set(
        before.filter((o) => o.kind === "ConfigMap" && JSON.stringify(o.data) !== JSON.stringify(after.get(id(o))?.data)).map((o) => `${o.metadata.namespace}/${o.metadata.name}`),
      );
      assert.ok(changedMaps.size >= 2, `${stack}: the change rewrites configuration (${[...changedMaps].join(", ")})`);
      const stale = readers(before)
        .filter((r) => r.reads.some((n) => changedMaps.has(`${r.workload.metadata.namespace}/${n}`)))
        .filter((r) => {
          const later = after.get(id(r.workload));
          return later !== undefined && JSON.stringify(podTemplate(later)?.metadata) === JSON.stringify(r.template.metadata);
        })
        .map((r) => id(r.workload));
      assert.deepEqual(stale, [], "readers whose pods would keep the old configuration");
    });
  }

  for (const [stack, from, to] of [["dev", "100", "1k"], ["prod-existing-1k", "1k", "20k"], ["prod-aws-1k", "1k", "20k"], ["prod-gcp-1k", "100", "5k"]] as const) {
    it(`${stack}: a profile change ${from} → ${to} rewrites no Secret`, async () => {
      const secrets = async (profile: string) =>
        new Map((await runStack(stack, { ...LI_ON, profile })).resources.filter((r) => r.type === "kubernetes:core/v1:Secret").map((r) => [r.name, JSON.stringify(comparable(r.inputs))]));
      const before = await secrets(from);
      const after = await secrets(to);
      assert.ok(before.size >= 10, `${stack}: ${before.size} Secrets`);
      assert.deepEqual([...before].filter(([name, inputs]) => after.has(name) && after.get(name) !== inputs).map(([name]) => name), []);
    });
  }
});
