/**
 * Keys of the project's own images (images/<name>/, built and pushed by `pulumi up`): where they
 * are pushed on an existing cluster, the package index their build installs from, and, per
 * image, a prebuilt digest-pinned reference that replaces the build (CI that builds images
 * itself, air-gapped sites that import them).
 */
import { isImageRegistry, plainHttpUrl, type ConfigKey } from "./key-kinds";
import type { Environment, PlatformKind } from "./keys";

/**
 * The project's images, each with the prebuilt key that replaces its build and the feature
 * switch whose system runs it (none: always deployed). catalog/project-images.ts lists the same
 * images with their build contexts; a test holds the two together.
 */
export const PROJECT_IMAGE_KEYS = {
  synapse: { key: "prebuiltSynapseImage" },
  keyVault: { key: "prebuiltKeyVaultImage", feature: "li" },
  scanWorker: { key: "prebuiltScanWorkerImage", feature: "antivirus" },
  liSync: { key: "prebuiltLiSyncImage", feature: "li" },
} as const satisfies Record<string, { key: keyof ProjectImageValues; feature?: "li" | "antivirus" }>;

/** The images a stack runs, from its feature switches. */
export function deployedProjectImageKeys(features: Readonly<Record<"li" | "antivirus", boolean>>): ProjectImageKeyName[] {
  return (Object.keys(PROJECT_IMAGE_KEYS) as ProjectImageKeyName[]).filter((n) => {
    const feature = (PROJECT_IMAGE_KEYS[n] as { feature?: "li" | "antivirus" }).feature;
    return feature === undefined || features[feature];
  });
}
export type ProjectImageKeyName = keyof typeof PROJECT_IMAGE_KEYS;

/**
 * Where a dev stack on an existing cluster pushes when nothing is configured: a registry on the
 * deploying machine's loopback, the convention of local clusters' registry add-ons (minikube's
 * `registry` add-on, a kind or k3d cluster created with a local registry). Staging and
 * production name theirs.
 */
export const DEV_PUSH_REGISTRY = "localhost:5000/matrix-platform";

/** `registry/repository[:tag]@sha256:<64 hex>`: a reference pods can pin. */
const PINNED_IMAGE = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?)(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[0-9a-f]{64}$/;
const PINNED_ALLOWED = "an image reference pinned by digest, registry/repository[:tag]@sha256:<64 lower-case hex digits>, at most 255 characters";

function pinnedImage(description: string): ConfigKey<string> {
  return { type: "string", description, allowed: PINNED_ALLOWED, parse: (raw) => (raw.length <= 255 && PINNED_IMAGE.test(raw) ? raw : undefined) };
}

/** An http(s) package index URL (it ends up in the build's arguments, so no credentials in it). */
function packageIndex(raw: string): string | undefined {
  return plainHttpUrl(raw) ? raw : undefined;
}

export const PROJECT_IMAGE_CONFIG_KEYS = {
  projectImageRegistry: {
    type: "string",
    allowed: "a lower-case registry host with optional port (1-65535) and path, such as registry.internal:5000/matrix-platform, at most 128 characters",
    parse: (raw: string) => (isImageRegistry(raw) ? raw : undefined),
    description: `Registry that \`pulumi up\` pushes the project's own images to on the existing platform (the deploying machine's docker login is used; the cluster's nodes must be able to pull from it). Default: imageRegistry; in dev, ${DEV_PUSH_REGISTRY} (a local cluster's registry). Required for staging and prod on the existing platform unless every image is prebuilt. AWS and GCP push to a repository the stack creates (ECR, Artifact Registry).`,
  } satisfies ConfigKey<string>,
  imageBuildPackageIndex: {
    type: "string",
    allowed: "an http:// or https:// URL of a Python package index, with no user name or password in it",
    parse: packageIndex,
    description: "Python package index the project's image builds install their pinned packages from (PIP_INDEX_URL), for build hosts without PyPI. Default: PyPI.",
  } satisfies ConfigKey<string>,
  prebuiltSynapseImage: pinnedImage("Prebuilt project Synapse image (images/synapse), pinned by digest: used instead of building it at `pulumi up`."),
  prebuiltScanWorkerImage: pinnedImage("Prebuilt scan worker image (images/scan-worker), pinned by digest: used instead of building it at `pulumi up`. Needs antivirus."),
  prebuiltKeyVaultImage: pinnedImage("Prebuilt key_vault image (images/key-vault), pinned by digest: used instead of building it at `pulumi up`. Needs li."),
  prebuiltLiSyncImage: pinnedImage("Prebuilt LI sync image (images/li-sync), pinned by digest: used instead of building it at `pulumi up`. Needs li."),
} as const;

/** The values of these keys that parsed. */
export interface ProjectImageValues {
  projectImageRegistry?: string;
  imageBuildPackageIndex?: string;
  prebuiltSynapseImage?: string;
  prebuiltKeyVaultImage?: string;
  prebuiltScanWorkerImage?: string;
  prebuiltLiSyncImage?: string;
}

/** What the stack does about its own images (PlatformSpec.projectImages). */
export interface ProjectImagesSpec {
  /** Where builds are pushed on the existing platform (undefined on AWS/GCP: the stack's own repository). */
  pushRegistry?: string;
  /** PIP_INDEX_URL of the builds; undefined is PyPI. */
  packageIndex?: string;
  /** Prebuilt references by image; an image listed here is not built. */
  prebuilt: Partial<Record<ProjectImageKeyName, string>>;
}

export interface ProjectImagesProblem {
  key: keyof ProjectImageValues;
  allowed: string;
  given: boolean;
}

/**
 * The spec, or what stops it. On the existing platform a build needs somewhere to push: the
 * push registry, or the pull mirror `imageRegistry` (`mirror`), unless every deployed image is
 * prebuilt; `deployed` says which images the stack runs. On the clouds the stack creates its
 * repository, so a push registry is refused rather than ignored.
 */
export function projectImagesSpec(
  platform: PlatformKind,
  environment: Environment,
  values: ProjectImageValues,
  mirror: string | undefined,
  deployed: readonly ProjectImageKeyName[],
  given: (k: keyof ProjectImageValues) => boolean,
): { spec: ProjectImagesSpec; problems: ProjectImagesProblem[] } {
  const problems: ProjectImagesProblem[] = [];
  const prebuilt: Partial<Record<ProjectImageKeyName, string>> = {};
  for (const [name, { key }] of Object.entries(PROJECT_IMAGE_KEYS) as [ProjectImageKeyName, (typeof PROJECT_IMAGE_KEYS)[ProjectImageKeyName]][]) {
    const value = values[key];
    if (value === undefined) continue;
    if (!deployed.includes(name)) problems.push({ key, given: true, allowed: `unset: the ${name} image is not deployed by this stack` });
    else prebuilt[name] = value;
  }
  const toBuild = deployed.filter((n) => prebuilt[n] === undefined);
  if (platform !== "existing" && given("projectImageRegistry")) {
    problems.push({ key: "projectImageRegistry", given: true, allowed: `unset on the ${platform} platform: the stack pushes its images to the repository it creates there` });
  }
  const pushRegistry = platform === "existing" ? values.projectImageRegistry ?? mirror ?? (environment === "dev" ? DEV_PUSH_REGISTRY : undefined) : undefined;
  if (platform === "existing" && pushRegistry === undefined && toBuild.length > 0 && !given("projectImageRegistry")) {
    problems.push({
      key: "projectImageRegistry",
      given: false,
      allowed: `a registry to push the project's images to (${toBuild.join(", ")} ${toBuild.length === 1 ? "is" : "are"} built by \`pulumi up\`), or imageRegistry, or ${toBuild.map((n) => PROJECT_IMAGE_KEYS[n].key).join(" and ")} naming prebuilt images`,
    });
  }
  if (toBuild.length === 0 && given("imageBuildPackageIndex")) {
    problems.push({ key: "imageBuildPackageIndex", given: true, allowed: "unset: every image of this stack is prebuilt, nothing is built" });
  }
  return { spec: { ...(pushRegistry ? { pushRegistry } : {}), ...(values.imageBuildPackageIndex ? { packageIndex: values.imageBuildPackageIndex } : {}), prebuilt }, problems };
}
