/**
 * What the policy checks read: one shape for a resource whether it comes from the mock engine
 * (stacks/mock-engine.ts RecordedResource), from CrossGuard's `validateStack` (PolicyResource) or
 * from `pulumi preview --json` steps. Inputs are plain JSON; the values that were marked secret are
 * collected separately, so a check can tell a secret value that leaked into a ConfigMap.
 */
import { isSecretValue, unwrapSecrets } from "../stacks/mock-engine";
import { kubernetesTypeOf } from "../stacks/manifests";

type Obj = Record<string, unknown>;

export interface CheckedResource {
  /** Pulumi type token, e.g. `aws:rds/instance:Instance`. */
  type: string;
  /** Pulumi resource name (the logical name the program gave it). */
  name: string;
  /** Inputs (or, under CrossGuard, the resource's properties) with secrets unwrapped. */
  inputs: Obj;
  /** URN when the engine gave one (CrossGuard reports violations against it). */
  urn?: string;
}

export interface CheckedStack {
  resources: CheckedResource[];
  /** Every value that was marked secret anywhere in the stack, plus every Kubernetes Secret value. */
  secretValues: Set<string>;
}

/** A resource as the mock engine records it: inputs with secrets still wrapped. */
export interface RecordedLike {
  type: string;
  name: string;
  inputs: Obj;
  urn?: string;
}

function collectSecrets(value: unknown, into: Set<string>, inSecret = false): void {
  if (isSecretValue(value)) return collectSecrets(value.value, into, true);
  if (typeof value === "string") {
    if (inSecret) into.add(value);
  } else if (Array.isArray(value)) value.forEach((v) => collectSecrets(v, into, inSecret));
  else if (typeof value === "object" && value !== null) Object.values(value).forEach((v) => collectSecrets(v, into, inSecret));
}

/** Values a Kubernetes Secret holds (data base64-decoded, stringData as is). */
function kubernetesSecretValues(inputs: Obj, into: Set<string>): void {
  // A basic-auth Secret's `username` is the public half of the login (a role name that also
  // names databases and appears in SQL and connection strings); only its password is secret,
  // unless the program itself marked the user name secret (collectSecrets sees that).
  const publicKeys = inputs.type === "kubernetes.io/basic-auth" ? new Set(["username"]) : new Set<string>();
  for (const [field, decode] of [["data", true], ["stringData", false]] as const) {
    const map = inputs[field];
    if (typeof map !== "object" || map === null) continue;
    for (const [k, v] of Object.entries(map as Obj)) {
      if (typeof v === "string" && !publicKeys.has(k)) into.add(decode ? Buffer.from(v, "base64").toString("utf8") : v);
    }
  }
}

/**
 * The stack the checks read. Resources may carry secrets wrapped the way Pulumi's RPC layer marks
 * them (the mock engine keeps them so); those values go into `secretValues`.
 */
export function checkedStack(resources: RecordedLike[]): CheckedStack {
  const secretValues = new Set<string>();
  const out: CheckedResource[] = [];
  for (const r of resources) {
    if (r.type === "pulumi:pulumi:Stack") continue;
    const inputs = (unwrapSecrets(r.inputs) ?? {}) as Obj;
    if (r.type === "kubernetes:core/v1:Secret") {
      // @pulumi/kubernetes marks a Secret's whole data/stringData secret whatever the program
      // marked; kubernetesSecretValues takes every value of them but a basic-auth user name.
      const { data: _data, stringData: _stringData, ...rest } = r.inputs as Obj;
      collectSecrets(rest, secretValues);
      kubernetesSecretValues(inputs, secretValues);
    } else {
      collectSecrets(r.inputs, secretValues);
    }
    out.push({ type: r.type, name: r.name, inputs, urn: r.urn });
  }
  return { resources: out, secretValues };
}

/**
 * `pulumi preview --json` output -> resources: each step's new state (type, inputs, URN). Steps
 * that delete a resource have no new state and are left out: they will not exist.
 */
export function resourcesFromPreviewJson(preview: unknown): RecordedLike[] {
  const steps = ((preview as { steps?: unknown[] } | undefined)?.steps ?? []) as { op?: string; urn?: string; newState?: { type?: string; urn?: string; inputs?: Obj } }[];
  return steps
    .filter((s) => s.newState && s.op !== "delete" && s.op !== "discard")
    .map((s) => {
      const urn = s.newState!.urn ?? s.urn ?? "";
      return { type: s.newState!.type ?? "", name: urn.split("::").at(-1) ?? "", inputs: s.newState!.inputs ?? {}, urn };
    })
    .filter((r) => r.type);
}

// --- Kubernetes helpers -------------------------------------------------------------------------

export interface KubeView {
  resource: CheckedResource;
  kind: string;
  apiVersion: string;
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: Obj;
  body: Obj;
}

/** Every Kubernetes object among the resources (Helm releases and patches excluded). */
export function kubeObjects(resources: CheckedResource[]): KubeView[] {
  const out: KubeView[] = [];
  for (const r of resources) {
    const t = kubernetesTypeOf(r.type);
    if (!t) continue;
    const meta = (r.inputs.metadata ?? {}) as Obj;
    out.push({
      resource: r,
      kind: t.kind,
      apiVersion: t.apiVersion,
      name: String(meta.name ?? r.name),
      namespace: meta.namespace === undefined ? undefined : String(meta.namespace),
      labels: (meta.labels ?? {}) as Record<string, string>,
      annotations: (meta.annotations ?? {}) as Record<string, string>,
      spec: (r.inputs.spec ?? {}) as Obj,
      body: r.inputs,
    });
  }
  return out;
}

export interface ContainerView {
  /** `containers`, `initContainers` or an operator resource's own field. */
  role: string;
  name: string;
  image?: string;
  resources?: { requests?: Obj; limits?: Obj };
  env: Obj[];
}

/** Containers the program writes: pod templates, plus the operator resources it sets images and resources on. */
export function containersOf(o: KubeView): ContainerView[] {
  const pod = podTemplateSpec(o);
  if (pod) {
    return (["initContainers", "containers"] as const).flatMap((role) =>
      ((pod[role] as Obj[] | undefined) ?? []).map((c) => ({
        role,
        name: String(c.name),
        image: c.image as string | undefined,
        resources: c.resources as ContainerView["resources"],
        env: (c.env as Obj[] | undefined) ?? [],
      })),
    );
  }
  if (o.kind === "Cluster" && o.apiVersion.startsWith("postgresql.cnpg.io/")) {
    return [{ role: "postgres", name: o.name, image: o.spec.imageName as string | undefined, resources: o.spec.resources as ContainerView["resources"], env: (o.spec.env as Obj[] | undefined) ?? [] }];
  }
  if (o.kind === "Tenant" && o.apiVersion.startsWith("minio.min.io/")) {
    return ((o.spec.pools as Obj[] | undefined) ?? []).map((p) => ({
      role: "pool",
      name: String(p.name),
      image: o.spec.image as string | undefined,
      resources: p.resources as ContainerView["resources"],
      env: (o.spec.env as Obj[] | undefined) ?? [],
    }));
  }
  return [];
}

/** The pod spec inside a workload's template. */
export function podTemplateSpec(o: KubeView): Obj | undefined {
  switch (o.kind) {
    case "Pod":
      return o.spec;
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return ((o.spec.template as Obj | undefined)?.spec as Obj | undefined) ?? undefined;
    case "CronJob":
      return (((o.spec.jobTemplate as Obj | undefined)?.spec as Obj | undefined)?.template as Obj | undefined)?.spec as Obj | undefined;
    default:
      return undefined;
  }
}

/** Whether a reference input (an id or name another resource was given) points at `target`. */
export function refersTo(ref: unknown, target: CheckedResource, nameFields: string[]): boolean {
  if (typeof ref !== "string" || !ref) return false;
  // The mock engine's ids are `<name>-id`; a real engine passes the physical name or id.
  if (ref === `${target.name}-id` || ref === target.inputs.id) return true;
  return nameFields.some((f) => typeof target.inputs[f] === "string" && target.inputs[f] === ref);
}
