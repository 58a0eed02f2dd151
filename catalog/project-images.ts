/**
 * The project's own images: built from a context in this repository (images/<dir>/) on top of a
 * pinned upstream image where they have one, and pushed by `pulumi up` into the platform's
 * registry (components/platform/project-images.ts). Pods reference what was pushed by digest.
 * Nothing here is pulled from a public registry as is, so these are not in the mirror list
 * (`npm run images`); their bases are.
 */
import type { ImageName } from "./images";
import { isDeployed, type DeploymentSwitches, type SystemName } from "./components";

export interface ProjectImageSpec {
  /** Build context, relative to the repository root; its Dockerfile is `<context>/Dockerfile`. */
  context: string;
  /** Upstream image it is built on, passed as the BASE_IMAGE build argument (through `imageRegistry`). */
  base?: ImageName;
  /** Repository name inside the platform's registry. */
  repository: string;
  /** The system whose pods run it: built only when that system is deployed. */
  system: SystemName;
  /** One line for the plan and the docs. */
  description: string;
}

export const PROJECT_IMAGES = {
  synapse: {
    context: "images/synapse",
    base: "synapse",
    repository: "synapse",
    system: "matrix",
    description: "upstream Synapse plus the pinned modules of images/synapse/requirements.txt and the modules in images/synapse/modules/",
  },
  keyVault: {
    context: "images/key-vault",
    base: "python",
    repository: "key-vault",
    system: "keyVault",
    description: "key_vault, the LI key escrow service (Django on gunicorn), images/key-vault",
  },
  scanWorker: {
    context: "images/scan-worker",
    base: "python",
    repository: "scan-worker",
    system: "antivirus",
    description: "the scan worker, an HTTP front of clamd's INSTREAM protocol (aiohttp), images/scan-worker",
  },
  liSync: {
    context: "images/li-sync",
    base: "postgresql",
    repository: "li-sync",
    system: "li",
    description: "the LI sync's tools: the stack's PostgreSQL 17 client tools (psql, pg_dump, pg_restore) plus curl for its one Kubernetes API call, images/li-sync",
  },
} as const satisfies Record<string, ProjectImageSpec>;

export type ProjectImageName = keyof typeof PROJECT_IMAGES;
export const PROJECT_IMAGE_NAMES = Object.keys(PROJECT_IMAGES) as ProjectImageName[];

export function projectImageSpec(name: ProjectImageName): ProjectImageSpec {
  return PROJECT_IMAGES[name];
}

/** The project images a stack runs: those of its deployed systems, in catalogue order. */
export function deployedProjectImages(spec: DeploymentSwitches): ProjectImageName[] {
  return PROJECT_IMAGE_NAMES.filter((n) => isDeployed(projectImageSpec(n).system, spec));
}
