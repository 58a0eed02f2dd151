/**
 * The project's own images (issue 15 item 1): the build contexts, the content tag, what each
 * platform creates to push them, prebuilt references, and that pods run the pushed digest and
 * install nothing when they start.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { IMAGES, imageRef } from "../../catalog/images";
import { PROJECT_IMAGES, PROJECT_IMAGE_NAMES } from "../../catalog/project-images";
import { systemEntry } from "../../catalog/components";
import { PROJECT_IMAGE_KEYS } from "../../config/image-keys";
import { parseSpec } from "../../config";
import { buildArgs, contextTag, isContextInput, pinnedReference, type ContextFile } from "../../render/images/build";
import { programRoot, readContext } from "../../components/platform/project-images";
import { isSecretValue, unwrapSecrets } from "../../stacks/mock-engine";
import { ofType, runStack, type StackRun } from "../helpers/run-stack";
import { prefixedConfig, refusalOf } from "../helpers/config-refusal";

const ROOT = path.join(__dirname, "..", "..");
type Obj = Record<string, any>;
const DIGEST = `sha256:${"b".repeat(64)}`;
const PREBUILT = `registry.example.net/ops/synapse:v1.163.2-site@${DIGEST}`;

/** Every container of every pod template the run registered, with the workload's name. */
function containers(run: StackRun): { workload: string; container: Obj; init: boolean }[] {
  const out: { workload: string; container: Obj; init: boolean }[] = [];
  for (const r of run.resources) {
    const spec = (r.inputs.spec ?? {}) as Obj;
    const pod = spec.template?.spec ?? spec.jobTemplate?.spec?.template?.spec;
    if (!pod) continue;
    for (const c of pod.containers ?? []) out.push({ workload: r.name, container: c, init: false });
    for (const c of pod.initContainers ?? []) out.push({ workload: r.name, container: c, init: true });
  }
  return out;
}

/** The registry login's password reached the engine as a secret (alone, or inside a secret list). */
const passwordIsSecret = (registries: unknown) => isSecretValue(registries) || isSecretValue((registries as Obj[])[0]?.password);

const synapseImages = (run: StackRun) => [...new Set(containers(run).filter(({ container }) => /synapse/.test(String(container.image)) && !/synapse-admin|ketesa/.test(String(container.image))).map(({ container }) => container.image))];

describe("project image build contexts", () => {
  it("every catalogue image has a context with a Dockerfile, a prebuilt key, and the feature of the system that runs it", () => {
    assert.deepEqual(Object.keys(PROJECT_IMAGE_KEYS).sort(), [...PROJECT_IMAGE_NAMES].sort());
    for (const name of PROJECT_IMAGE_NAMES) {
      const spec = PROJECT_IMAGES[name];
      assert.ok(fs.existsSync(path.join(ROOT, spec.context, "Dockerfile")), `${spec.context}/Dockerfile`);
      assert.equal((PROJECT_IMAGE_KEYS[name] as { feature?: string }).feature, systemEntry(spec.system).feature, name);
      // The Dockerfile's own default base is the pinned one, so a plain `docker build` builds what `pulumi up` builds.
      const dockerfile = fs.readFileSync(path.join(ROOT, spec.context, "Dockerfile"), "utf8");
      if ("base" in spec && spec.base) assert.equal(/^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1], imageRef(spec.base), `${name}: BASE_IMAGE default`);
    }
  });

  it("the Synapse Dockerfile's default base is the pinned upstream image, and it installs the requirements file and the repo's modules", () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, "images/synapse/Dockerfile"), "utf8");
    assert.equal(/^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1], imageRef("synapse"));
    assert.match(dockerfile, /^FROM \$\{BASE_IMAGE\}$/m);
    assert.match(dockerfile, /pip install --no-deps -r \/opt\/matrix-platform\/requirements\.txt/);
    assert.match(dockerfile, /modules\/\*\//);
    const requirements = fs.readFileSync(path.join(ROOT, "images/synapse/requirements.txt"), "utf8");
    const pins = requirements.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    assert.ok(pins.length > 0 && pins.every((l) => /^[A-Za-z0-9_.-]+==[A-Za-z0-9_.+-]+$/.test(l)), `every requirement pinned exactly: ${pins.filter((l) => !l.includes("=="))}`);
    assert.ok(pins.some((l) => l.startsWith("synapse-s3-storage-provider==")));
  });

  it("the tests' Synapse venv installs the same requirements file and module folders (scripts/provision.d/20-synapse.sh)", () => {
    const script = fs.readFileSync(path.join(ROOT, "scripts/provision.d/20-synapse.sh"), "utf8");
    assert.match(script, /^REQUIREMENTS="images\/synapse\/requirements\.txt"$/m);
    assert.match(script, /pip install .*--no-deps -r "\$REQUIREMENTS"/);
    assert.match(script, /images\/synapse\/modules\/\*\//);
  });

  it("finds the repository root from the sources and from the compiled bin/ tree", () => {
    assert.equal(programRoot(path.join(ROOT, "components", "platform")), ROOT);
    assert.equal(programRoot(path.join(ROOT, "bin", "components", "platform")), ROOT);
  });

  it("reads a context without its build by-products", () => {
    const files = readContext(path.join(ROOT, "images/synapse")).map((f) => f.path);
    assert.ok(files.includes("Dockerfile") && files.includes("requirements.txt"));
    assert.ok(files.every(isContextInput));
  });
});

describe("content tag (render/images/build.ts)", () => {
  const file = fc.record({ path: fc.stringMatching(/^[a-z]{1,8}(\/[a-z]{1,8}){0,2}\.(py|txt|toml)$/), bytes: fc.uint8Array({ maxLength: 64 }) });
  const files = fc.uniqueArray(file, { selector: (f) => f.path, minLength: 1, maxLength: 6 });

  it("does not depend on the order the files are read in", () => {
    fc.assert(fc.property(files, (fs0) => assert.equal(contextTag([...fs0].reverse(), {}, "synapse"), contextTag(fs0, {}, "synapse"))));
  });

  it("changes when any file's content, a file's name or a build argument changes", () => {
    fc.assert(fc.property(files, fc.nat(), (fs0, pick) => {
      const i = pick % fs0.length;
      const changed: ContextFile[] = fs0.map((f, j) => (j === i ? { path: f.path, bytes: Uint8Array.from([...f.bytes, 1]) } : f));
      assert.notEqual(contextTag(changed, {}), contextTag(fs0, {}));
      const renamed: ContextFile[] = fs0.map((f, j) => (j === i ? { path: `${f.path}x`, bytes: f.bytes } : f));
      if (!fs0.some((f) => f.path === `${fs0[i].path}x`)) assert.notEqual(contextTag(renamed, {}), contextTag(fs0, {}));
      assert.notEqual(contextTag(fs0, { BASE_IMAGE: "a" }), contextTag(fs0, { BASE_IMAGE: "b" }));
    }));
  });

  it("ignores byte-code and build folders, and starts with the base image's tag", () => {
    const base: ContextFile[] = [{ path: "Dockerfile", bytes: Buffer.from("FROM x") }];
    const withJunk = [...base, { path: "modules/m/__pycache__/a.cpython-311.pyc", bytes: Buffer.from([1]) }, { path: "modules/m/m.egg-info/PKG-INFO", bytes: Buffer.from([2]) }];
    assert.equal(contextTag(withJunk, {}, "synapse"), contextTag(base, {}, "synapse"));
    assert.match(contextTag(base, {}, "synapse"), new RegExp(`^${IMAGES.synapse.tag.replace(/\./g, "\\.")}-[0-9a-f]{16}$`));
  });

  it("passes the base through the mirror and the package index only when set", () => {
    assert.deepEqual(buildArgs("synapse", undefined, undefined), { BASE_IMAGE: imageRef("synapse") });
    assert.deepEqual(buildArgs("synapse", "mirror.internal:5000", "https://pypi.internal/simple"), { BASE_IMAGE: `mirror.internal:5000/element-hq/synapse:${IMAGES.synapse.tag}`, PIP_INDEX_URL: "https://pypi.internal/simple" });
  });

  it("pins a reference only with a sha256 digest", () => {
    assert.equal(pinnedReference("r.example/synapse", "t1", DIGEST), `r.example/synapse:t1@${DIGEST}`);
    assert.throws(() => pinnedReference("r.example/synapse", "t1", "latest"), /not an image digest/);
  });
});

describe("project image config keys", () => {
  const existing = { platform: "existing", environment: "dev" };

  it("an existing cluster that builds needs somewhere to push: projectImageRegistry, imageRegistry, or a prebuilt image", () => {
    const message = refusalOf({ platform: "existing", environment: "prod", domain: "example.org", acmeEmail: "ops@example.org", offsiteBackupWaived: "true" });
    assert.match(message, /matrix-platform:projectImageRegistry/);
    assert.match(message, /synapse is built by `pulumi up`/);
    assert.match(message, /prebuiltSynapseImage/);
    assert.equal(parseSpec(prefixedConfig({ ...existing, imageRegistry: "mirror.internal:5000" }), "t").projectImages.pushRegistry, "mirror.internal:5000");
    assert.equal(parseSpec(prefixedConfig(existing), "t").projectImages.pushRegistry, "localhost:5000/matrix-platform", "dev pushes to a local cluster's registry");
    assert.deepEqual(parseSpec(prefixedConfig({ ...existing, prebuiltSynapseImage: PREBUILT }), "t").projectImages.prebuilt, { synapse: PREBUILT });
  });

  it("refuses a prebuilt reference that is not pinned by digest, naming the key and the value", () => {
    for (const bad of ["registry.example.net/ops/synapse:v1", "synapse@sha256:abc", `REGISTRY.example/x@${DIGEST}`, `registry.example.net/x@sha512:${"c".repeat(128)}`]) {
      const message = refusalOf({ ...existing, projectImageRegistry: "r.example", prebuiltSynapseImage: bad });
      assert.match(message, /matrix-platform:prebuiltSynapseImage/);
      assert.ok(message.includes(bad), bad);
      assert.match(message, /pinned by digest/);
    }
  });

  it("refuses projectImageRegistry on the clouds (they push to the repository they create) and a package index nothing uses", () => {
    assert.match(refusalOf({ platform: "aws", environment: "dev", projectImageRegistry: "r.example" }), /projectImageRegistry[\s\S]*unset on the aws platform/);
    assert.match(refusalOf({ ...existing, prebuiltSynapseImage: PREBUILT, imageBuildPackageIndex: "https://pypi.internal/simple" }), /imageBuildPackageIndex[\s\S]*every image of this stack is prebuilt/);
    assert.match(refusalOf({ ...existing, projectImageRegistry: "r.example", imageBuildPackageIndex: "https://user:pw@pypi.internal/simple" }), /imageBuildPackageIndex/);
  });
});

describe("project images under the mock engine", function () {

  it("dev (existing): builds the Synapse image into the site's registry, not on preview, and every Synapse process runs the pushed digest", async () => {
    const run = await runStack("dev");
    const [image, ...more] = ofType(run, "docker-build:index:Image");
    assert.equal(more.length, 0);
    assert.equal(image.inputs.push, true);
    assert.equal(image.inputs.buildOnPreview, false);
    assert.deepEqual(image.inputs.buildArgs, { BASE_IMAGE: imageRef("synapse") });
    assert.equal((image.inputs.context as Obj).location, path.join(ROOT, "images/synapse"));
    const [tag] = image.inputs.tags as string[];
    assert.match(tag, /^localhost:5000\/matrix-platform\/synapse:v1\.163\.2-[0-9a-f]{16}$/);
    assert.equal(image.inputs.registries, undefined, "the deploying machine's docker login");
    assert.deepEqual(synapseImages(run).map((i) => String(i).replace(/@sha256:[0-9a-f]{64}$/, "")), [tag]);
  });

  it("no container of any stack installs packages when it starts", async () => {
    for (const stack of ["dev", "prod-existing-1k", "prod-aws-1k", "prod-gcp-1k"]) {
      const run = await runStack(stack);
      for (const { workload, container } of containers(run)) {
        const command = [...(container.command ?? []), ...(container.args ?? [])].join(" ");
        assert.doesNotMatch(command, /pip3? install|python -m pip|apt-get install|apk add/, `${stack} ${workload}/${container.name}`);
      }
    }
  });

  it("a prebuilt image replaces the build and is what the pods run", async () => {
    const run = await runStack("dev", { prebuiltSynapseImage: PREBUILT });
    assert.equal(ofType(run, "docker-build:index:Image").length, 0);
    assert.deepEqual(synapseImages(run), [PREBUILT]);
  });

  it("AWS: an immutable, scanned ECR repository, pushed to with the registry's token as a secret", async () => {
    const run = await runStack("prod-aws-1k");
    const [repo] = ofType(run, "aws:ecr/repository:Repository");
    assert.equal(repo.inputs.imageTagMutability, "IMMUTABLE");
    assert.deepEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
    assert.equal(repo.inputs.forceDelete, false, "production keeps its images");
    const [image] = ofType(run, "docker-build:index:Image");
    const [registry] = unwrapSecrets(image.inputs.registries) as Obj[];
    assert.equal(registry.address, "https://123456789012.dkr.ecr.us-east-1.amazonaws.com");
    assert.equal(registry.password, "mock-ecr-token");
    assert.ok(passwordIsSecret(image.inputs.registries), "the ECR token is a secret input");
    assert.match((image.inputs.tags as string[])[0], /^123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/matrix-prod-aws-1k\/synapse:/);
    assert.ok(image.dependsOn?.includes(`aws:ecr/repository:Repository::${repo.name}`), "pushed after the repository exists");
    for (const i of synapseImages(run)) assert.match(String(i), /\.dkr\.ecr\.us-east-1\.amazonaws\.com\/.*@sha256:[0-9a-f]{64}$/);
  });

  it("GCP: an Artifact Registry Docker repository with immutable tags, pushed to with the deploying identity's token", async () => {
    const run = await runStack("prod-gcp-1k");
    const [repo] = ofType(run, "gcp:artifactregistry/repository:Repository");
    assert.equal(repo.inputs.format, "DOCKER");
    assert.deepEqual(repo.inputs.dockerConfig, { immutableTags: true });
    const [image] = ofType(run, "docker-build:index:Image");
    const [registry] = unwrapSecrets(image.inputs.registries) as Obj[];
    assert.equal(registry.username, "oauth2accesstoken");
    assert.ok(passwordIsSecret(image.inputs.registries));
    assert.match((image.inputs.tags as string[])[0], new RegExp(`^${repo.inputs.location}-docker\\.pkg\\.dev/.+/${repo.inputs.repositoryId}/synapse:`));
    const apis = ofType(run, "gcp:projects/service:Service").map((r) => r.inputs.service);
    assert.ok(apis.includes("artifactregistry.googleapis.com"));
  });
});
