import * as pulumi from "@pulumi/pulumi";
import * as gcp from "@pulumi/gcp";
import { projectImageSpec, type ProjectImageName } from "../../../catalog/project-images";
import type { ImagePushTarget } from "../project-images";

export interface ArtifactRepositoryArgs {
  name: string;
  /** Stack prefix of resource names: the repository's ID. */
  prefix: string;
  project: string;
  region: string;
  /** The project images to build (those not prebuilt). */
  images: readonly ProjectImageName[];
  labels: Record<string, string>;
  /** Resources the repository waits for (the Artifact Registry API). */
  dependsOn: pulumi.Resource[];
}

/**
 * One Docker repository in Artifact Registry for the project images the stack builds, in the
 * cluster's region. The node service account holds roles/artifactregistry.reader (gcp/cluster.ts),
 * so nodes pull from it; the push logs in with the deploying identity's access token.
 */
export function createArtifactRepository(a: ArtifactRepositoryArgs, opts: pulumi.CustomResourceOptions): ImagePushTarget | undefined {
  if (a.images.length === 0) return undefined;
  const repo = new gcp.artifactregistry.Repository(`${a.name}-images`, {
    repositoryId: a.prefix,
    location: a.region,
    format: "DOCKER",
    description: "The matrix-platform stack's own images (images/ in its repository)",
    dockerConfig: { immutableTags: true },
    cleanupPolicies: [{ id: "keep-newest", action: "KEEP", mostRecentVersions: { keepCount: 20 } }],
    labels: a.labels,
  }, { ...opts, dependsOn: a.dependsOn });
  const host = `${a.region}-docker.pkg.dev`;
  const repositories: Partial<Record<ProjectImageName, pulumi.Output<string>>> = {};
  for (const image of a.images) repositories[image] = pulumi.interpolate`${host}/${a.project}/${repo.repositoryId}/${projectImageSpec(image).repository}`;
  const client = gcp.organizations.getClientConfigOutput(opts);
  return {
    repositories,
    login: { address: host, username: "oauth2accesstoken", password: pulumi.secret(client.accessToken) },
    dependsOn: [repo],
  };
}
