import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { projectImageSpec, type ProjectImageName } from "../../../catalog/project-images";
import type { ImagePushTarget } from "../project-images";

export interface EcrRepositoriesArgs {
  name: string;
  /** Stack prefix of resource names (`matrix-<stack>`): the repositories live under it. */
  prefix: string;
  /** The project images to build (those not prebuilt). */
  images: readonly ProjectImageName[];
  /** Production keeps its images when the stack is destroyed (the preset's deletion protection). */
  deletionProtection: boolean;
}

/**
 * One ECR repository per project image the stack builds: immutable tags (a tag is a content
 * hash, render/images/build.ts), scanned on push, encrypted at rest. The node role already
 * carries AmazonEC2ContainerRegistryReadOnly, so nodes pull them; the push logs in with a
 * token for the account's registry.
 */
export function createEcrRepositories(a: EcrRepositoriesArgs, opts: pulumi.CustomResourceOptions): ImagePushTarget | undefined {
  if (a.images.length === 0) return undefined;
  const repositories: Partial<Record<ProjectImageName, pulumi.Output<string>>> = {};
  const created: aws.ecr.Repository[] = [];
  for (const image of a.images) {
    const repo = new aws.ecr.Repository(`${a.name}-ecr-${image}`, {
      name: `${a.prefix}/${projectImageSpec(image).repository}`,
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: "AES256" }],
      forceDelete: !a.deletionProtection,
    }, opts);
    // Builds the stack no longer references are kept for a while (rollback), then expire.
    new aws.ecr.LifecyclePolicy(`${a.name}-ecr-${image}-expiry`, {
      repository: repo.name,
      policy: JSON.stringify({ rules: [{ rulePriority: 1, description: "keep the 20 newest images", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 }, action: { type: "expire" } }] }),
    }, opts);
    repositories[image] = repo.repositoryUrl;
    created.push(repo);
  }
  const token = aws.ecr.getAuthorizationTokenOutput({ registryId: created[0].registryId }, opts);
  return {
    repositories,
    login: { address: token.proxyEndpoint, username: token.userName, password: pulumi.secret(token.password) },
    dependsOn: created,
  };
}
