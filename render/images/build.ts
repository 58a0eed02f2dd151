/**
 * Pure parts of building the project's images: which files of a context count, the tag a
 * context's content gets, the build arguments, and the reference pods use. The component
 * (components/platform/project-images.ts) reads the files and hands them over.
 */
import { createHash } from "crypto";
import { imageRef, IMAGES, type ImageName } from "../../catalog/images";

/** Paths of a context that are build by-products, never inputs (also in each context's .dockerignore). */
const BY_PRODUCT = [/(^|\/)__pycache__(\/|$)/, /\.pyc$/, /(^|\/)[^/]*\.egg-info(\/|$)/, /(^|\/)build(\/|$)/, /(^|\/)\.pytest_cache(\/|$)/];

/** Whether a context-relative path is an input of the build. */
export function isContextInput(relativePath: string): boolean {
  return !BY_PRODUCT.some((re) => re.test(relativePath));
}

export interface ContextFile {
  /** Path relative to the context, `/`-separated. */
  path: string;
  bytes: Uint8Array;
}

/**
 * The tag of a build: the base image's tag (readable in a registry listing) and a hash of every
 * input file and build argument, so the tag changes exactly when what is built changes (and
 * immutable repositories such as ECR with IMMUTABLE tags never see a tag reused).
 */
export function contextTag(files: readonly ContextFile[], buildArgs: Readonly<Record<string, string>>, base?: ImageName): string {
  const hash = createHash("sha256");
  for (const f of [...files].filter((f) => isContextInput(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`file ${f.path} ${f.bytes.length}\n`);
    hash.update(f.bytes);
  }
  for (const k of Object.keys(buildArgs).sort()) hash.update(`arg ${k}=${buildArgs[k]}\n`);
  const digest = hash.digest("hex").slice(0, 16);
  return base ? `${IMAGES[base].tag}-${digest}` : digest;
}

/** Build arguments: the pinned base through the site's mirror, and the package index when one is set. */
export function buildArgs(base: ImageName | undefined, registryOverride: string | undefined, packageIndex: string | undefined): Record<string, string> {
  return {
    ...(base ? { BASE_IMAGE: imageRef(base, registryOverride) } : {}),
    ...(packageIndex ? { PIP_INDEX_URL: packageIndex } : {}),
  };
}

/** What pods run: the pushed tag, pinned by the digest the registry returned. */
export function pinnedReference(repository: string, tag: string, digest: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new Error(`not an image digest: ${digest}`);
  return `${repository}:${tag}@${digest}`;
}
