/**
 * Finds secret values where only non-secret values may be: ConfigMaps, container env literals,
 * commands and args, annotations, Helm release values, the inputs of non-Kubernetes resources
 * (cloud tags, parameters...) and stack outputs. Works on what the mock engine recorded.
 *
 * Kubernetes objects keep no secret in those places at all (they are stored and shown in plain
 * text), so even a value marked secret is a leak there. Helm values, non-Kubernetes inputs and
 * stack outputs are encrypted in Pulumi state when marked secret, so only an unmarked secret is.
 *
 * Secret values are collected from two sources:
 *  - what generates secrets: RandomPassword / RandomBytes results, TLS private keys, cloud
 *    credentials (the mock engine's deterministic state for those resources, stacks/mock-outputs.ts);
 *  - every value the program wrapped as secret in a resource's inputs: a scalar wrapped on its
 *    own, and, inside a wrapped map, the values whose keys name a secret (password, token, key...),
 *    since a wrapped Secret `stringData` also carries user names and hosts that are not secret.
 * Each is also searched for in base64, the form Secret data and Basic-auth headers take.
 */
import { podSpecOf } from "../../components/k8s/pod-security-check";
import { isSecretValue, unwrapSecrets, type MockRun, type RecordedResource } from "../../stacks/mock-engine";
import { mockState } from "../../stacks/mock-outputs";
import { kubernetesTypeOf } from "../../stacks/manifests";

/** Shorter strings are too likely to occur by chance (ports, "true", short names). */
export const MIN_SECRET_LENGTH = 8;

/** Provider-computed secret outputs, by resource type. */
export const SECRET_OUTPUTS: Record<string, string[]> = {
  "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
  "random:index/randomBytes:RandomBytes": ["base64", "hex"],
  "tls:index/privateKey:PrivateKey": ["privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"],
  "gcp:storage/hmacKey:HmacKey": ["secret"],
  "gcp:redis/instance:Instance": ["authString"],
  "aws:iam/accessKey:AccessKey": ["secret", "sesSmtpPasswordV4"],
};

const SECRET_KEY = /(pass(word)?|secret|token|private|api[-_]?key|signing|macaroon|shared[-_]?secret|credential|auth|hmac|pem|jwt|routing[-_]?key|webhook[-_]?url)/i;

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => strings(v, out));
  else if (typeof value === "object" && value !== null) Object.values(value).forEach((v) => strings(v, out));
  return out;
}

/** Leaf strings of a wrapped secret that are secrets themselves (see the header). */
function wrappedSecretLeaves(inner: unknown, key: string | undefined, out: Set<string>): void {
  const v = unwrapSecrets(inner);
  if (typeof v === "string") {
    out.add(v);
    return;
  }
  const walk = (x: unknown, k: string | undefined) => {
    if (typeof x === "string") {
      if (k && SECRET_KEY.test(k)) out.add(x);
    } else if (Array.isArray(x)) x.forEach((y) => walk(y, k));
    else if (typeof x === "object" && x !== null) Object.entries(x).forEach(([kk, y]) => walk(y, kk));
  };
  walk(v, key);
}

function collectWrapped(value: unknown, key: string | undefined, out: Set<string>): void {
  if (isSecretValue(value)) return wrappedSecretLeaves(value.value, key, out);
  if (Array.isArray(value)) value.forEach((v) => collectWrapped(v, key, out));
  else if (typeof value === "object" && value !== null) Object.entries(value).forEach(([k, v]) => collectWrapped(v, k, out));
}

/** Every secret value of a run (plain form; base64 forms are added by `findLeaks`). */
export function secretValues(resources: RecordedResource[]): Set<string> {
  const out = new Set<string>();
  for (const r of resources) {
    const fields = SECRET_OUTPUTS[r.type];
    if (fields) {
      const state = mockState(r.type, r.name, unwrapSecrets(r.inputs) as Record<string, unknown>);
      for (const f of fields) if (typeof state[f] === "string") out.add(state[f] as string);
    }
    collectWrapped(r.inputs, undefined, out);
  }
  return new Set([...out].filter((s) => s.length >= MIN_SECRET_LENGTH));
}

export interface Leak {
  where: string;
  secret: string;
}

/** Where a value marked secret may stand: Pulumi encrypts it in state (see the header). */
const MAY_HOLD_MARKED = /^(stack output|helm values|inputs) /;

/** The places that must never hold a secret, as `[where, value]` pairs (wrapped values included as such). */
export function nonSecretPlaces(run: MockRun): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const r of run.resources) {
    if (!r.custom) continue;
    const t = kubernetesTypeOf(r.type);
    if (r.type === "kubernetes:helm.sh/v3:Release") {
      out.push([`helm values ${r.name}`, (r.inputs as Record<string, unknown>).values]);
      continue;
    }
    if (!t) {
      // Cloud resources, providers and the like: every input, e.g. tags and parameter values.
      if (!r.type.startsWith("kubernetes:")) out.push([`inputs ${r.type} ${r.name}`, r.inputs]);
      continue;
    }
    const id = `${t.kind} ${r.name}`;
    const obj = r.inputs as Record<string, unknown>;
    const meta = (obj.metadata ?? {}) as Record<string, unknown>;
    out.push([`${id} metadata.annotations`, meta.annotations]);
    if (t.kind === "ConfigMap") {
      out.push([`${id} data`, obj.data], [`${id} binaryData`, obj.binaryData]);
    }
    const pod = podSpecOf({ kind: t.kind, spec: unwrapSecrets(obj.spec) });
    if (pod) {
      const rawPod = podSpecOf({ kind: t.kind, spec: obj.spec }) ?? {};
      const tmplMeta = ((((obj.spec as Record<string, unknown>)?.template as Record<string, unknown>)?.metadata ?? {}) as Record<string, unknown>);
      out.push([`${id} pod template annotations`, tmplMeta.annotations]);
      for (const kind of ["initContainers", "containers", "ephemeralContainers"]) {
        for (const c of ((rawPod as Record<string, unknown>)[kind] as Record<string, unknown>[] | undefined) ?? []) {
          for (const e of (c.env as Record<string, unknown>[] | undefined) ?? []) {
            if (e.value !== undefined) out.push([`${id} ${kind}[${c.name}] env ${e.name}`, e.value]);
          }
          out.push([`${id} ${kind}[${c.name}] command`, c.command], [`${id} ${kind}[${c.name}] args`, c.args]);
        }
      }
    }
  }
  for (const [k, v] of Object.entries(run.outputs)) out.push([`stack output ${k}`, v]);
  return out;
}

/** Secrets (or their base64) found in non-secret places, and secret-wrapped values placed there. */
export function findLeaks(run: MockRun): Leak[] {
  const secrets = secretValues(run.resources);
  const needles = new Map<string, string>();
  for (const s of secrets) {
    needles.set(s, s);
    needles.set(Buffer.from(s).toString("base64"), s);
  }
  const leaks: Leak[] = [];
  for (const [where, value] of nonSecretPlaces(run)) {
    // A wrapped secret in an annotation, env literal, command, ConfigMap would land in plain text
    // (Kubernetes has no secret annotations); state-encrypted places may carry it only wrapped.
    const isOutput = MAY_HOLD_MARKED.test(where);
    const scan = (v: unknown, path: string) => {
      if (isSecretValue(v)) {
        if (!isOutput) leaks.push({ where: `${path} (value marked secret)`, secret: "[secret]" });
        return;
      }
      if (typeof v === "string") {
        for (const [needle, secret] of needles) if (v.includes(needle)) leaks.push({ where: path, secret });
      } else if (Array.isArray(v)) v.forEach((x, i) => scan(x, `${path}[${i}]`));
      else if (typeof v === "object" && v !== null) Object.entries(v).forEach(([k, x]) => scan(x, `${path}.${k}`));
    };
    scan(value, where);
  }
  return leaks;
}

export { strings };
