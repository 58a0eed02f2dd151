/**
 * The project's own images (catalog/project-images.ts), built from their contexts in this
 * repository and pushed into the platform's registry by `pulumi up`, or taken prebuilt from
 * config. Pods reference what was pushed by digest, so a node never runs a tag someone moved.
 *
 * The builds run on the deploying machine through docker-build (BuildKit), after the repositories
 * exist. They do not run during `pulumi preview` (buildOnPreview off): a preview needs no Docker
 * daemon, and shows the image references as unknown until the build.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as dockerBuild from "@pulumi/docker-build";
import { projectImageSpec, type ProjectImageName } from "../../catalog/project-images";
import { buildArgs, contextTag, isContextInput, pinnedReference, type ContextFile } from "../../render/images/build";

/** Where the builds go: one repository per image, and how to log in to its registry. */
export interface ImagePushTarget {
  /** Full repository of each image to build (`registry/path/name`, no tag). */
  repositories: Partial<Record<ProjectImageName, pulumi.Input<string>>>;
  /** Registry login for the push; absent: the deploying machine's own docker credentials. */
  login?: { address: pulumi.Input<string>; username: pulumi.Input<string>; password: pulumi.Input<string> };
  /** Resources the push needs first (the repositories, their IAM). */
  dependsOn?: pulumi.Resource[];
}

export interface ProjectImagesArgs {
  /** The stack's project images (those of its deployed systems). */
  images: readonly ProjectImageName[];
  /** Prebuilt digest-pinned references from config; these are not built. */
  prebuilt: Partial<Record<ProjectImageName, string>>;
  /** Push target of the images that are built; absent only when every image is prebuilt. */
  target?: ImagePushTarget;
  /** Pull mirror of the base images (config `imageRegistry`); absent: their public registries. */
  mirror?: string;
  /** Python package index of the builds (config `imageBuildPackageIndex`); absent: PyPI. */
  packageIndex?: string;
  /** Repository root the contexts are relative to. Default: this program's root. */
  root?: string;
}

/**
 * The repository root: the nearest folder above this module holding `images/` and a
 * package.json (the program runs from its sources under ts-node and from bin/ compiled).
 */
export function programRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "images"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root (package.json beside images/) above ${from}`);
  }
}

/** Every input file of a build context, relative to it (by-products left out). */
export function readContext(dir: string): ContextFile[] {
  const out: ContextFile[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (!isContextInput(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push({ path: child, bytes: fs.readFileSync(path.join(dir, child)) });
    }
  };
  walk("");
  return out;
}

export class ProjectImages extends pulumi.ComponentResource {
  /** Digest-pinned reference of each of the stack's images. */
  readonly refs: Partial<Record<ProjectImageName, pulumi.Output<string>>> = {};

  constructor(name: string, args: ProjectImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("matrix-platform:platform:ProjectImages", name, {}, opts);
    const root = args.root ?? programRoot();
    for (const image of args.images) {
      const prebuilt = args.prebuilt[image];
      if (prebuilt !== undefined) {
        this.refs[image] = pulumi.output(prebuilt);
        continue;
      }
      const repository = args.target?.repositories[image];
      if (repository === undefined) throw new Error(`project image ${image}: no repository to push to and no prebuilt reference`);
      const spec = projectImageSpec(image);
      const context = path.join(root, spec.context);
      const buildArguments = buildArgs(spec.base, args.mirror, args.packageIndex);
      const tag = contextTag(readContext(context), buildArguments, spec.base);
      const login = args.target?.login;
      const built = new dockerBuild.Image(`${name}-${image}`, {
        context: { location: context },
        dockerfile: { location: path.join(context, "Dockerfile") },
        buildArgs: buildArguments,
        // The node pools are x86-64 (catalog/prices.ts machine families).
        platforms: ["linux/amd64"],
        push: true,
        tags: [pulumi.interpolate`${repository}:${tag}`],
        buildOnPreview: false,
        ...(login ? { registries: [{ address: login.address, username: login.username, password: pulumi.secret(login.password) }] } : {}),
      }, { parent: this, dependsOn: args.target?.dependsOn });
      this.refs[image] = pulumi.all([repository, built.digest]).apply(([repo, digest]) => pinnedReference(repo, tag, digest));
    }
    this.registerOutputs({ refs: this.refs });
  }
}
