/**
 * The mandatory policies as plain functions: each takes the stack's resources (policy/resources.ts)
 * and returns its violations. policy/index.ts wraps them in a CrossGuard PolicyPack; the tests
 * run them on what every gate preset registers under the mock engine.
 */
import { IMAGES } from "../catalog/images";
import { podSecurityViolations } from "../components/k8s/pod-security-check";
import { containersOf, kubeObjects, podTemplateSpec, refersTo, type CheckedResource, type CheckedStack, type KubeView } from "./resources";
import { UNKNOWN_DURING_PREVIEW } from "./known-values";

type Obj = Record<string, unknown>;

export interface PolicyContext {
  /** Production stack: deletion protection and backups are required. */
  production: boolean;
  /** The configured image registry (config `imageRegistry`); unset: the catalog's public registries. */
  registry?: string;
  /** Prebuilt project images the stack names (config `prebuilt*Image`): pinned references it may run. */
  prebuiltImages?: string[];
}

export interface Violation {
  /** `<type>::<name>` of the offending resource, or a namespace for stack-wide findings. */
  resource: string;
  message: string;
  /** The resource's URN where the engine gave one. */
  urn?: string;
}

export interface Check {
  name: string;
  description: string;
  run(stack: CheckedStack, ctx: PolicyContext): Violation[];
}

const id = (r: CheckedResource) => `${r.type}::${r.name}`;
const v = (r: CheckedResource, message: string): Violation => ({ resource: id(r), message, urn: r.urn });
const ofType = (stack: CheckedStack, type: string) => stack.resources.filter((r) => r.type === type);
const get = (o: unknown, path: string): unknown => path.split(".").reduce<unknown>((x, k) => (x && typeof x === "object" ? (x as Obj)[k] : undefined), o);
const isTrue = (x: unknown) => x === true || x === "true";

/** Companion resources of an S3 bucket (public access block, encryption, versioning) name it by id or name. */
function bucketCompanions(stack: CheckedStack, type: string, bucket: CheckedResource): CheckedResource[] {
  return ofType(stack, type).filter((c) => c.name === bucket.name || refersTo(c.inputs.bucket, bucket, ["bucket"]));
}

// --- 1. no public database ---------------------------------------------------------------------

const DATABASE_PORTS = new Set([5432, 6379, 26379]);

export const noPublicDatabase: Check = {
  name: "no-public-database",
  description: "Databases and caches are reachable only inside the network: no public RDS/Cloud SQL address, no LoadBalancer/NodePort Service in front of PostgreSQL or Redis.",
  run(stack) {
    const out: Violation[] = [];
    for (const r of ofType(stack, "aws:rds/instance:Instance")) if (isTrue(r.inputs.publiclyAccessible)) out.push(v(r, "publiclyAccessible is true"));
    for (const r of ofType(stack, "gcp:sql/databaseInstance:DatabaseInstance")) {
      // Cloud SQL gives an instance a public IPv4 address unless told otherwise.
      if (get(r.inputs, "settings.ipConfiguration.ipv4Enabled") !== false) out.push(v(r, "settings.ipConfiguration.ipv4Enabled is not false (Cloud SQL assigns a public IP by default)"));
    }
    for (const o of kubeObjects(stack.resources)) {
      if (o.kind === "Service" && ["LoadBalancer", "NodePort"].includes(String(o.spec.type))) {
        const ports = ((o.spec.ports as Obj[] | undefined) ?? []).map((p) => Number(p.port));
        if (ports.some((p) => DATABASE_PORTS.has(p))) out.push(v(o.resource, `Service of type ${o.spec.type} exposes database port(s) ${ports.filter((p) => DATABASE_PORTS.has(p)).join(", ")}`));
      }
      if (o.kind === "Cluster" && o.apiVersion.startsWith("postgresql.cnpg.io/")) {
        for (const s of (get(o.spec, "managed.services.additional") as Obj[] | undefined) ?? []) {
          const type = get(s, "serviceTemplate.spec.type");
          if (type === "LoadBalancer" || type === "NodePort") out.push(v(o.resource, `managed service of type ${type}`));
        }
      }
    }
    return out;
  },
};

// --- 2. no public bucket -----------------------------------------------------------------------

const PUBLIC_MEMBERS = ["allUsers", "allAuthenticatedUsers"];

function publicStatements(policy: unknown): boolean {
  let doc: unknown = policy;
  if (typeof policy === "string") {
    try {
      doc = JSON.parse(policy);
    } catch {
      return false;
    }
  }
  const statements = ((doc as { Statement?: unknown })?.Statement ?? []) as Obj[];
  return (Array.isArray(statements) ? statements : [statements]).some((s) => {
    const p = s.Principal as unknown;
    const everyone = p === "*" || (typeof p === "object" && p !== null && ([] as unknown[]).concat((p as Obj).AWS ?? []).includes("*"));
    return s.Effect === "Allow" && everyone && !s.Condition;
  });
}

export const noPublicBucket: Check = {
  name: "no-public-bucket",
  description: "Every bucket blocks public access: S3 with all four public-access-block flags and no public ACL or policy, GCS with public access prevention enforced and uniform access, no allUsers grant.",
  run(stack) {
    const out: Violation[] = [];
    for (const b of ofType(stack, "aws:s3/bucket:Bucket")) {
      const blocks = bucketCompanions(stack, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", b);
      const full = blocks.some((p) => ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((f) => isTrue(p.inputs[f])));
      if (!full) out.push(v(b, "no BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets all true"));
      if (typeof b.inputs.acl === "string" && /public/.test(b.inputs.acl)) out.push(v(b, `acl is ${b.inputs.acl}`));
      for (const p of bucketCompanions(stack, "aws:s3/bucketPolicy:BucketPolicy", b)) {
        if (publicStatements(p.inputs.policy)) out.push(v(p, "bucket policy allows everyone (Principal *) without a condition"));
      }
    }
    for (const b of ofType(stack, "gcp:storage/bucket:Bucket")) {
      if (b.inputs.publicAccessPrevention !== "enforced") out.push(v(b, `publicAccessPrevention is ${JSON.stringify(b.inputs.publicAccessPrevention)}, not "enforced"`));
      if (!isTrue(b.inputs.uniformBucketLevelAccess)) out.push(v(b, "uniformBucketLevelAccess is not true (object ACLs could make objects public)"));
    }
    for (const type of ["gcp:storage/bucketIAMMember:BucketIAMMember", "gcp:storage/bucketIAMBinding:BucketIAMBinding"]) {
      for (const m of ofType(stack, type)) {
        const members = ([] as unknown[]).concat(m.inputs.member ?? [], (m.inputs.members as unknown[]) ?? []);
        for (const who of members) if (PUBLIC_MEMBERS.includes(String(who))) out.push(v(m, `grants ${m.inputs.role} to ${who}`));
      }
    }
    return out;
  },
};

// --- 3. encryption at rest -----------------------------------------------------------------------

export const encryptionAtRest: Check = {
  name: "encryption-at-rest",
  description: "Every store encrypts at rest with the stack's keys: RDS, ElastiCache, S3 (SSE-KMS), EKS secrets, node volumes, EBS/PD storage classes, Cloud SQL, Memorystore, GCS and GKE with CMEK.",
  run(stack) {
    const out: Violation[] = [];
    const need = (type: string, test: (r: CheckedResource) => boolean, message: string) => {
      for (const r of ofType(stack, type)) if (!test(r)) out.push(v(r, message));
    };
    need("aws:rds/instance:Instance", (r) => isTrue(r.inputs.storageEncrypted) && !!r.inputs.kmsKeyId, "storageEncrypted with a kmsKeyId is not set");
    need("aws:rds/instanceAutomatedBackupsReplication:InstanceAutomatedBackupsReplication", (r) => !!r.inputs.kmsKeyId, "replicated backups have no kmsKeyId");
    need("aws:elasticache/replicationGroup:ReplicationGroup", (r) => isTrue(r.inputs.atRestEncryptionEnabled), "atRestEncryptionEnabled is not true");
    need("aws:eks/cluster:Cluster", (r) => (((get(r.inputs, "encryptionConfig.resources") as string[] | undefined) ?? []).includes("secrets")), "encryptionConfig does not cover secrets");
    need(
      "aws:ec2/launchTemplate:LaunchTemplate",
      (r) => ((r.inputs.blockDeviceMappings as Obj[] | undefined) ?? []).every((m) => isTrue(get(m, "ebs.encrypted"))),
      "a block device mapping is not encrypted",
    );
    for (const b of ofType(stack, "aws:s3/bucket:Bucket")) {
      const sse = bucketCompanions(stack, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", b);
      const ok = sse.some((c) => ((c.inputs.rules as Obj[] | undefined) ?? []).some((rule) => ["aws:kms", "aws:kms:dsse"].includes(String(get(rule, "applyServerSideEncryptionByDefault.sseAlgorithm")))));
      if (!ok) out.push(v(b, "no server-side encryption configuration with SSE-KMS"));
    }
    need("gcp:sql/databaseInstance:DatabaseInstance", (r) => !!r.inputs.encryptionKeyName, "no encryptionKeyName (CMEK)");
    need("gcp:redis/instance:Instance", (r) => !!r.inputs.customerManagedKey, "no customerManagedKey (CMEK)");
    need("gcp:storage/bucket:Bucket", (r) => !!get(r.inputs, "encryption.defaultKmsKeyName"), "no encryption.defaultKmsKeyName (CMEK)");
    need("gcp:container/cluster:Cluster", (r) => get(r.inputs, "databaseEncryption.state") === "ENCRYPTED", "databaseEncryption.state is not ENCRYPTED");
    need("gcp:container/nodePool:NodePool", (r) => !!get(r.inputs, "nodeConfig.bootDiskKmsKey"), "nodeConfig.bootDiskKmsKey is not set");
    for (const o of kubeObjects(stack.resources).filter((x) => x.kind === "StorageClass")) {
      const params = (o.body.parameters ?? {}) as Record<string, string>;
      const provisioner = String(o.body.provisioner ?? "");
      if (provisioner === "ebs.csi.aws.com" && !(params.encrypted === "true" && params.kmsKeyId)) out.push(v(o.resource, "EBS storage class without encrypted: \"true\" and a kmsKeyId"));
      if (provisioner === "pd.csi.storage.gke.io" && !params["disk-encryption-kms-key"]) out.push(v(o.resource, "PD storage class without disk-encryption-kms-key"));
    }
    return out;
  },
};

// --- 4. deletion protection and backups in production -------------------------------------------

export const productionProtection: Check = {
  name: "production-protection",
  description: "In production, databases, clusters and buckets cannot be deleted by one command and every primary database keeps backups with point-in-time recovery.",
  run(stack, ctx) {
    if (!ctx.production) return [];
    const out: Violation[] = [];
    for (const r of ofType(stack, "aws:rds/instance:Instance")) {
      if (!isTrue(r.inputs.deletionProtection)) out.push(v(r, "deletionProtection is not true"));
      const primary = !r.inputs.replicateSourceDb;
      if (primary && !(Number(r.inputs.backupRetentionPeriod ?? 0) >= 7)) out.push(v(r, `backupRetentionPeriod is ${r.inputs.backupRetentionPeriod ?? 0} days (at least 7)`));
      if (primary && isTrue(r.inputs.skipFinalSnapshot)) out.push(v(r, "skipFinalSnapshot is true"));
    }
    for (const r of ofType(stack, "gcp:sql/databaseInstance:DatabaseInstance")) {
      if (r.inputs.deletionProtection === false || !isTrue(get(r.inputs, "settings.deletionProtectionEnabled"))) out.push(v(r, "deletionProtection / settings.deletionProtectionEnabled is not on"));
      if (!r.inputs.masterInstanceName) {
        const b = (get(r.inputs, "settings.backupConfiguration") ?? {}) as Obj;
        if (!isTrue(b.enabled) || !isTrue(b.pointInTimeRecoveryEnabled)) out.push(v(r, "backups with point-in-time recovery are not enabled"));
      }
    }
    for (const r of ofType(stack, "aws:eks/cluster:Cluster")) if (!isTrue(r.inputs.deletionProtection)) out.push(v(r, "deletionProtection is not true"));
    // The GCP provider defaults deletionProtection to true: only an explicit false is a violation.
    for (const r of ofType(stack, "gcp:container/cluster:Cluster")) if (r.inputs.deletionProtection === false) out.push(v(r, "deletionProtection is false"));
    for (const r of ofType(stack, "aws:elasticache/replicationGroup:ReplicationGroup")) if (!(Number(r.inputs.snapshotRetentionLimit ?? 0) >= 1)) out.push(v(r, "snapshotRetentionLimit is 0 (no snapshots)"));
    for (const r of ofType(stack, "gcp:redis/instance:Instance")) if (get(r.inputs, "persistenceConfig.persistenceMode") !== "RDB") out.push(v(r, "persistenceConfig.persistenceMode is not RDB"));
    for (const b of ofType(stack, "aws:s3/bucket:Bucket")) {
      if (isTrue(b.inputs.forceDestroy)) out.push(v(b, "forceDestroy is true"));
      const versioned = bucketCompanions(stack, "aws:s3/bucketVersioning:BucketVersioning", b).some((c) => get(c.inputs, "versioningConfiguration.status") === "Enabled");
      if (!versioned) out.push(v(b, "versioning is not enabled"));
    }
    for (const b of ofType(stack, "gcp:storage/bucket:Bucket")) {
      if (isTrue(b.inputs.forceDestroy)) out.push(v(b, "forceDestroy is true"));
      if (!isTrue(get(b.inputs, "versioning.enabled"))) out.push(v(b, "versioning is not enabled"));
    }
    const kube = kubeObjects(stack.resources);
    for (const c of kube.filter((o) => o.kind === "Cluster" && o.apiVersion.startsWith("postgresql.cnpg.io/"))) {
      const scheduled = kube.some((o) => o.kind === "ScheduledBackup" && o.namespace === c.namespace && get(o.spec, "cluster.name") === c.name);
      const archived = ((c.spec.plugins as Obj[] | undefined) ?? []).some((p) => isTrue(p.isWALArchiver)) || !!c.spec.backup && !!get(c.spec, "backup.barmanObjectStore");
      if (!scheduled) out.push(v(c.resource, "no ScheduledBackup for this CloudNativePG cluster"));
      if (!archived) out.push(v(c.resource, "no WAL archiving (point-in-time recovery) configured"));
    }
    return out;
  },
};

// --- 5. restricted pod security ----------------------------------------------------------------

const PSS = "pod-security.kubernetes.io";

export const restrictedPodSecurity: Check = {
  name: "restricted-pod-security",
  description: "Every namespace enforces, audits and warns at restricted (a lower level only with a written reason), and every pod template the program writes meets restricted; host networking only in a privileged namespace whose reason names it (RTC media).",
  run(stack) {
    const out: Violation[] = [];
    const kube = kubeObjects(stack.resources);
    for (const ns of kube.filter((o) => o.kind === "Namespace")) {
      for (const mode of ["enforce", "audit", "warn"]) {
        const level = ns.labels[`${PSS}/${mode}`];
        if (!["restricted", "baseline", "privileged"].includes(level ?? "")) out.push(v(ns.resource, `${PSS}/${mode} is ${JSON.stringify(level)}, not a Pod Security level`));
        else if (level !== "restricted" && !ns.annotations["matrix-platform/pod-security-reason"]) out.push(v(ns.resource, `${PSS}/${mode} is ${level} without a matrix-platform/pod-security-reason annotation`));
      }
    }
    // The one true exception, as in the validation gate: media servers on the host network (the
    // RTC namespace), in a privileged namespace whose written reason says so. Nothing else is waived.
    const hostNetworkNamespaces = new Set(
      kube.filter((o) => o.kind === "Namespace" && o.labels[`${PSS}/enforce`] === "privileged" && (o.annotations["matrix-platform/pod-security-reason"] ?? "").includes("host networking")).map((o) => o.name),
    );
    for (const o of kube) {
      const pod = podTemplateSpec(o);
      if (!pod) continue;
      for (const msg of podSecurityViolations(pod, "restricted")) {
        if (msg === "hostNetwork is true" && o.namespace && hostNetworkNamespaces.has(o.namespace)) continue;
        out.push(v(o.resource, `restricted: ${msg}`));
      }
    }
    return out;
  },
};

// --- 6. default-deny network policy in every namespace ----------------------------------------

function deniesAll(o: KubeView): boolean {
  const sel = (o.spec.podSelector ?? {}) as Obj;
  const selectsAll = Object.keys((sel.matchLabels as Obj | undefined) ?? {}).length === 0 && !((sel.matchExpressions as unknown[] | undefined) ?? []).length;
  const types = (o.spec.policyTypes as string[] | undefined) ?? [];
  return selectsAll && types.includes("Ingress") && types.includes("Egress") && !((o.spec.ingress as unknown[] | undefined) ?? []).length && !((o.spec.egress as unknown[] | undefined) ?? []).length;
}

export const defaultDenyNetworkPolicy: Check = {
  name: "default-deny-network-policy",
  description: "Every namespace the stack puts objects in is created by the stack and has a NetworkPolicy that denies all ingress and egress; flows are opened by narrower policies.",
  run(stack) {
    const out: Violation[] = [];
    const kube = kubeObjects(stack.resources);
    const created = new Map(kube.filter((o) => o.kind === "Namespace").map((o) => [o.name, o]));
    const used = new Set(kube.map((o) => o.namespace).filter((n): n is string => !!n));
    for (const ns of [...used].sort()) {
      if (!created.has(ns)) out.push({ resource: `namespace/${ns}`, message: "objects are placed in a namespace the stack does not create, so nothing guarantees its default-deny policy" });
    }
    for (const [name, ns] of created) {
      if (!kube.some((o) => o.kind === "NetworkPolicy" && o.namespace === name && deniesAll(o))) out.push(v(ns.resource, "no default-deny ingress+egress NetworkPolicy in this namespace"));
    }
    return out;
  },
};

// --- 7. no secret value in a ConfigMap or an env literal ---------------------------------------

const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/i;
const PRIVATE_KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
/** Shorter secret values would match ordinary text by chance. */
const MIN_SECRET_LENGTH = 8;

function leakedSecret(text: string, secrets: Set<string>): string | undefined {
  if (PRIVATE_KEY_PEM.test(text)) return "a PEM private key";
  for (const s of secrets) if (s.length >= MIN_SECRET_LENGTH && text.includes(s)) return "a value that is marked secret elsewhere in the stack";
  return undefined;
}

export const noSecretInConfigMapOrEnv: Check = {
  name: "no-secret-in-configmap-or-env",
  description: "Secret values live only in Secrets, mounted as files: no ConfigMap and no container env literal holds a secret value, a private key, or a literal under a secret-looking name.",
  run(stack) {
    const out: Violation[] = [];
    for (const o of kubeObjects(stack.resources)) {
      if (o.kind === "ConfigMap") {
        for (const field of ["data", "binaryData"]) {
          for (const [key, value] of Object.entries((o.body[field] ?? {}) as Record<string, unknown>)) {
            const text = field === "binaryData" ? Buffer.from(String(value), "base64").toString("utf8") : String(value);
            const what = leakedSecret(text, stack.secretValues);
            if (what) out.push(v(o.resource, `${field}.${key} holds ${what}`));
          }
        }
      }
      for (const c of containersOf(o)) {
        for (const e of c.env) {
          if (typeof e.value !== "string" || e.value === "") continue;
          const what = leakedSecret(e.value, stack.secretValues);
          if (what) out.push(v(o.resource, `container ${c.name} env ${e.name} holds ${what}`));
          else if (SECRET_NAME.test(String(e.name))) out.push(v(o.resource, `container ${c.name} env ${e.name} is a literal under a secret name (use a Secret mounted as a file, or valueFrom.secretKeyRef)`));
        }
      }
    }
    return out;
  },
};

// --- 8. pinned images from the configured registry ---------------------------------------------

/** Registries the catalog pulls from when no `imageRegistry` is configured. */
export const CATALOG_REGISTRIES: string[] = [...new Set(Object.values(IMAGES).map((i) => i.registry))].sort();

export function imageProblem(image: string, registry: string | undefined): string | undefined {
  const at = image.indexOf("@");
  const name = at >= 0 ? image.slice(0, at) : image;
  const last = name.split("/").at(-1) ?? "";
  const tag = last.includes(":") ? last.split(":").at(-1) : undefined;
  if (at < 0 && (!tag || tag === "latest")) return `${image} is not pinned (no tag or digest, or "latest")`;
  if (registry) {
    if (!image.startsWith(`${registry}/`)) return `${image} is not pulled from the configured registry ${registry}`;
  } else {
    const host = name.includes("/") && /[.:]|^localhost$/.test(name.split("/")[0]) ? name.split("/")[0] : "docker.io";
    if (!CATALOG_REGISTRIES.includes(host)) return `${image} comes from ${host}, which is not a registry of catalog/images.ts (${CATALOG_REGISTRIES.join(", ")})`;
  }
  return undefined;
}

/**
 * The project's own images the stack may run: a tag one of its builds pushes (docker-build
 * Image `tags`), pinned by a digest, or a prebuilt reference from config.
 */
export function projectImageAllowed(image: string, builtTags: ReadonlySet<string>, prebuilt: readonly string[] = []): boolean {
  if (prebuilt.includes(image)) return true;
  const m = /^(.+)@sha256:[0-9a-f]{64}$/.exec(image);
  return m !== null && builtTags.has(m[1]);
}

export const pinnedImages: Check = {
  name: "pinned-images",
  description: "Every image is pinned to a tag or digest (never latest) and pulled from the configured registry (config imageRegistry), or else from a registry the image catalog names; the project's own images are the tags the stack's builds push, pinned by digest, or the prebuilt references config names.",
  run(stack, ctx) {
    const out: Violation[] = [];
    const builtTags = new Set(stack.resources.filter((r) => r.type === "docker-build:index:Image").flatMap((r) => ((r.inputs.tags ?? []) as unknown[]).map(String)));
    for (const o of kubeObjects(stack.resources)) {
      for (const c of containersOf(o)) {
        if (!c.image) {
          out.push(v(o.resource, `${c.role} ${c.name} names no image`));
          continue;
        }
        // A digest not built yet (preview of a new image): judged by `pulumi up`, when it is known.
        if (c.image === UNKNOWN_DURING_PREVIEW) continue;
        if (projectImageAllowed(c.image, builtTags, ctx.prebuiltImages)) continue;
        const problem = imageProblem(c.image, ctx.registry);
        if (problem) out.push(v(o.resource, `${c.role} ${c.name}: ${problem}`));
      }
    }
    return out;
  },
};

// --- 9. requests and limits on every container -------------------------------------------------

export const requestsAndLimits: Check = {
  name: "requests-and-limits",
  description: "Every container the program writes (init containers and operator-run database and object-store pods included) requests and limits CPU and memory.",
  run(stack) {
    const out: Violation[] = [];
    for (const o of kubeObjects(stack.resources)) {
      for (const c of containersOf(o)) {
        const missing = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"].filter((p) => get(c.resources ?? {}, p) === undefined);
        if (missing.length) out.push(v(o.resource, `${c.role} ${c.name} has no ${missing.join(", ")}`));
      }
    }
    return out;
  },
};

// --- 10. PDB for every multi-replica workload ----------------------------------------------------

function matches(selector: Obj | undefined, labels: Record<string, string>): boolean {
  const ml = (selector?.matchLabels ?? {}) as Record<string, string>;
  if (Object.keys(ml).length === 0 && !((selector?.matchExpressions as unknown[] | undefined) ?? []).length) return false;
  return Object.entries(ml).every(([k, val]) => labels[k] === val);
}

export const pdbForMultiReplica: Check = {
  name: "pdb-for-multi-replica",
  description: "Every Deployment or StatefulSet that runs (or may scale to) more than one replica has a PodDisruptionBudget selecting its pods; CloudNativePG clusters keep the operator's PDB.",
  run(stack) {
    const out: Violation[] = [];
    const kube = kubeObjects(stack.resources);
    const pdbs = kube.filter((o) => o.kind === "PodDisruptionBudget");
    const hpaMax = new Map<string, number>();
    for (const h of kube.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
      const ref = (h.spec.scaleTargetRef ?? {}) as Obj;
      hpaMax.set(`${h.namespace}/${ref.kind}/${ref.name}`, Number(h.spec.maxReplicas ?? 1));
    }
    for (const w of kube.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet")) {
      const replicas = Math.max(Number(w.spec.replicas ?? 1), hpaMax.get(`${w.namespace}/${w.kind}/${w.name}`) ?? 0);
      if (replicas <= 1) continue;
      const labels = (get(w.spec, "template.metadata.labels") ?? {}) as Record<string, string>;
      if (!pdbs.some((p) => p.namespace === w.namespace && matches(p.spec.selector as Obj | undefined, labels))) {
        out.push(v(w.resource, `${w.kind} with up to ${replicas} replicas has no PodDisruptionBudget selecting its pods`));
      }
    }
    for (const c of kube.filter((o) => o.kind === "Cluster" && o.apiVersion.startsWith("postgresql.cnpg.io/"))) {
      if (Number(c.spec.instances ?? 1) > 1 && c.spec.enablePDB === false) out.push(v(c.resource, "enablePDB is false on a multi-instance CloudNativePG cluster"));
    }
    return out;
  },
};

/** Every mandatory policy, in the order the issue lists them. */
export const CHECKS: Check[] = [
  noPublicDatabase,
  noPublicBucket,
  encryptionAtRest,
  productionProtection,
  restrictedPodSecurity,
  defaultDenyNetworkPolicy,
  noSecretInConfigMapOrEnv,
  pinnedImages,
  requestsAndLimits,
  pdbForMultiReplica,
];

/** Runs every check; the result maps a check's name to its violations. */
export function runChecks(stack: CheckedStack, ctx: PolicyContext): Record<string, Violation[]> {
  return Object.fromEntries(CHECKS.map((c) => [c.name, c.run(stack, ctx)]));
}
