/**
 * Recorded resources -> Kubernetes manifests: the one conversion shared by `npm run plan`
 * (out/<stack>/manifests/) and the validation gate (`npm run validate`), so what a person reads
 * and what the validators check are the same objects.
 *
 * Every Kubernetes object the program registers reaches the mock engine as
 * `kubernetes:<group>/<version>:<Kind>` with its full object as inputs (CustomResource too), so
 * everything a later component adds is picked up without a list to maintain.
 */
import { stringify, type ScalarTag } from "yaml";
import { isSecretValue, redactSecrets, unwrapSecrets, type RecordedResource } from "./mock-engine";

export interface Manifest {
  /** Relative file path: `<namespace | _cluster>/<kind>-<name>.yaml`. */
  path: string;
  /** The object, as `kubectl apply` would receive it. */
  object: KubeObject;
  /** `<type>::<name>` of the Pulumi resource it came from. */
  source: string;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

/**
 * Token groups that are not objects of their own: Helm releases/charts and YAML/kustomize
 * groups are installed by Helm or rendered remotely (under mocks they are one opaque resource);
 * the objects they contain come from upstream charts, pinned by version in the catalog.
 */
const NOT_MANIFESTS = new Set(["helm.sh", "yaml", "kustomize"]);

/** Base64 of "redacted": what every Secret value becomes in a written manifest. */
export const SECRET_PLACEHOLDER_B64 = Buffer.from("redacted").toString("base64");

/** `kubernetes:apps/v1:Deployment` -> { apiVersion: "apps/v1", kind: "Deployment" }; undefined for anything else. */
export function kubernetesTypeOf(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(type);
  if (!m) return undefined;
  const [group, version] = m[1].includes("/") ? m[1].split("/", 2) : ["core", m[1]];
  if (NOT_MANIFESTS.has(group)) return undefined;
  const kind = m[2];
  // `*Patch` resources are partial server-side-apply patches of objects someone else owns, and
  // `*List` kinds are wrappers: neither is an object the stack creates.
  if (kind.endsWith("Patch") || kind.endsWith("List")) return undefined;
  return { apiVersion: group === "core" ? version : `${group}/${version}`, kind };
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null;
}

/** Drops undefined/null members (the engine may record absent optionals as null). */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => !isEmpty(v)).map(clean);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => !isEmpty(v)).map(([k, v]) => [k, clean(v)]));
  }
  return value;
}

/** A Secret with every value replaced by the placeholder (keys kept, stringData folded into data). */
function redactSecretObject(obj: Record<string, unknown>): Record<string, unknown> {
  // The SDK marks `data`/`stringData` secret as a whole: unwrap only to learn the keys.
  const keysOf = (v: unknown) => Object.keys((unwrapSecrets(v) as object | undefined) ?? {});
  const keys = new Set<string>([...keysOf(obj.data), ...keysOf(obj.stringData)]);
  const out: Record<string, unknown> = { ...obj };
  delete out.stringData;
  if (keys.size) out.data = Object.fromEntries([...keys].sort().map((k) => [k, SECRET_PLACEHOLDER_B64]));
  else delete out.data;
  return out;
}

/**
 * YAML 1.2's octal integers (`0o17`), which the 1.1 rules below do not know: told about them,
 * the writer quotes a string that looks like one, so a 1.2 reader does not take it for a number.
 * (`identify` never matches: numbers are not written in this form.)
 */
const YAML_12_OCTAL: ScalarTag = { tag: "tag:yaml.org,2002:int", format: "OCT", test: /^0o[0-7]+$/, resolve: (s) => parseInt(s.slice(2), 8), identify: () => false, default: true };

/**
 * A manifest as YAML that Kubernetes' own tools read back unchanged. kubectl, kubeconform and
 * the API machinery parse YAML with go-yaml's 1.1 rules, under which a bare `y`, `yes`, `on`,
 * `off` or `no` is a boolean and `2026-01-01` a timestamp; the `yaml` library writes 1.2 by
 * default, which leaves those strings bare. Written with the 1.1 rules (and 1.2's octals), every
 * string that either version would read as something else is quoted: a StorageClass named `y`
 * stays a string, not `true`.
 */
export function manifestYaml(object: object): string {
  return stringify(object, { lineWidth: 0, version: "1.1", customTags: (tags) => [...tags, YAML_12_OCTAL] });
}

/**
 * Every Kubernetes object among the recorded resources, as manifests. Secret values never reach
 * a manifest: Secrets get placeholders, and any other value marked secret becomes "[secret]".
 */
export function manifestsFrom(resources: RecordedResource[]): { path: string; object: object; source: string }[] {
  const out: Manifest[] = [];
  const seen = new Map<string, number>();
  for (const r of resources) {
    if (!r.custom || r.read) continue;
    const t = kubernetesTypeOf(r.type);
    if (!t) continue;
    let obj = r.inputs as Record<string, unknown>;
    if (t.kind === "Secret" && t.apiVersion === "v1") obj = redactSecretObject(obj);
    obj = clean(redactSecrets(obj)) as Record<string, unknown>;
    const rawMeta = obj.metadata;
    const metadata = { ...((isSecretValue(rawMeta) ? {} : rawMeta) as Record<string, unknown> | undefined) } as KubeObject["metadata"];
    // Pulumi auto-names objects without metadata.name from the resource name (plus a suffix).
    if (!metadata.name) metadata.name = r.name;
    const rest = { ...obj };
    delete rest.apiVersion;
    delete rest.kind;
    delete rest.metadata;
    const object: KubeObject = { apiVersion: t.apiVersion, kind: t.kind, metadata, ...rest };
    const dir = metadata.namespace ?? "_cluster";
    const base = `${dir}/${t.kind.toLowerCase()}-${metadata.name}`.replace(/[^A-Za-z0-9._/-]/g, "_");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.push({ path: n === 0 ? `${base}.yaml` : `${base}-${n}.yaml`, object, source: `${r.type}::${r.name}` });
  }
  return out;
}
