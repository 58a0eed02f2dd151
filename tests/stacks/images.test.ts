/**
 * Item 9 of issue 9: every image a stack runs and every chart it installs is in the list
 * `npm run images -- --stack <name>` prints (catalog/image-list.ts), for every preset stack.
 * The list is built from the catalogue and the registry; what is checked here is what the
 * components actually rendered, so an image literal or an undeclared chart in a component fails.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { podSpecOf } from "../../components/k8s/pod-security-check";
import { stackArtifacts, type StackArtifacts } from "../../catalog/image-list";
import { IMAGES, imageRef } from "../../catalog/images";
import { deployedProjectImages, projectImageSpec } from "../../catalog/project-images";
import { projectImageAllowed } from "../../policy/checks";
import { manifestsFrom } from "../../stacks/manifests";
import { unwrapSecrets, type RecordedResource } from "../../stacks/mock-engine";
import { runStack, type StackRun } from "../helpers/run-stack";

// The preset stacks of issue 9: the two checked-in stacks and prod on every platform and profile.
const STACKS = ["dev", "prod", ...["aws", "gcp", "existing"].flatMap((p) => ["100", "1k", "5k", "10k", "20k"].map((c) => `prod-${p}-${c}`))];
const MIRROR = "registry.internal:5000/mirror";

type Obj = Record<string, unknown>;

interface Rendered {
  /** `<where>: <image>` for every container, init container and image-bearing custom resource. */
  images: { where: string; image: string }[];
  releases: { where: string; chart: string; version: string; repo?: string }[];
}

/** Images of the pods the stack renders, plus those the operators' custom resources name. */
function rendered(run: StackRun): Rendered {
  const images: Rendered["images"] = [];
  for (const m of manifestsFrom(run.resources)) {
    const obj = m.object as Obj & { kind: string; spec?: Obj };
    const pod = podSpecOf(obj);
    if (pod) {
      for (const kind of ["initContainers", "containers"]) {
        for (const c of (pod[kind] as Obj[] | undefined) ?? []) images.push({ where: `${m.path} ${kind}/${String(c.name)}`, image: String(c.image) });
      }
    }
    // CloudNativePG Cluster and MinIO Tenant: the operators start pods from these images.
    if (obj.kind === "Cluster" && typeof obj.spec?.imageName === "string") images.push({ where: m.path, image: obj.spec.imageName });
    if (obj.kind === "Tenant" && typeof obj.spec?.image === "string") images.push({ where: m.path, image: obj.spec.image });
    // Envoy Gateway starts the edge proxies from the EnvoyProxy resource the GatewayClass names.
    const envoy = (obj.spec as { provider?: { kubernetes?: { envoyDeployment?: { container?: { image?: string } } } } } | undefined)?.provider?.kubernetes?.envoyDeployment?.container?.image;
    if (obj.kind === "EnvoyProxy" && envoy) images.push({ where: m.path, image: envoy });
  }
  const releases = run.resources
    .filter((r: RecordedResource) => r.type === "kubernetes:helm.sh/v3:Release")
    .map((r) => {
      const inputs = unwrapSecrets(r.inputs) as { chart: string; version: string; repositoryOpts?: { repo?: string } };
      return { where: r.name, chart: inputs.chart, version: inputs.version, repo: inputs.repositoryOpts?.repo };
    });
  return { images, releases };
}

/** Tags the stack's image builds push (docker-build Image), which its pods run pinned by digest. */
function builtTags(run: StackRun): Set<string> {
  return new Set(run.resources.filter((r) => r.type === "docker-build:index:Image").flatMap((r) => (r.inputs.tags as string[]) ?? []));
}

function listFor(run: StackRun): StackArtifacts {
  return stackArtifacts(run.spec);
}

describe("stack image lists (npm run images -- --stack)", function () {
  this.timeout(600_000);

  for (const stack of STACKS) {
    it(`${stack}: every rendered image and Helm chart is in the stack's list`, async () => {
      const run = await runStack(stack);
      const list = listFor(run);
      const { images, releases } = rendered(run);
      // Guards against a vacuous pass: every stack renders Synapse and installs cert-manager.
      const built = builtTags(run);
      assert.ok(images.some((i) => /\/synapse:/.test(i.image) && projectImageAllowed(i.image, built)), `${stack}: no Synapse pod rendered`);
      assert.ok(releases.length >= 2, `${stack}: expected at least cert-manager and Envoy Gateway releases`);

      const listed = new Set(list.images);
      // The project's own images are pushed by the stack itself, pinned by digest; their bases are listed.
      const missing = images.filter((i) => !listed.has(i.image) && !projectImageAllowed(i.image, built));
      assert.deepEqual(missing, [], `${stack}: images not in its list`);
      assert.ok(listed.has(imageRef("synapse", run.spec.imageRegistry)), `${stack}: the Synapse image's base is on the list (the build pulls it)`);

      // Charts: exactly the installed ones, so the list neither misses nor invents one.
      const key = (c: { chart: string; version: string; repo?: string }) => `${c.repo ?? ""} ${c.chart} ${c.version}`;
      assert.deepEqual(list.charts.map(key).sort(), releases.map(key).sort(), `${stack}: chart list differs from the Helm releases`);

      // Every workload image the list names is run by something rendered: the list does not
      // carry images of systems the stack does not deploy. (Operand images are run by charts.)
      const used = new Set(images.map((i) => i.image));
      // A workload image that is also the base of a project image the stack builds is pulled by
      // that build (the PostgreSQL image under li-sync on GCP, where no pod runs it as is).
      const bases = new Set(deployedProjectImages(run.spec).map((n) => projectImageSpec(n).base));
      const unused = list.imageNames.filter((n) => IMAGES[n].kind === "workload" && !bases.has(n)).map((n) => list.images.find((ref) => ref.endsWith(`/${IMAGES[n].repository}:${IMAGES[n].tag}`))!).filter((ref) => !used.has(ref));
      assert.deepEqual(unused, [], `${stack}: listed but not run`);
    });
  }

  it(`prod-existing-1k with imageRegistry=${MIRROR}: every image comes from the mirror and is listed`, async () => {
    const run = await runStack("prod-existing-1k", { imageRegistry: MIRROR });
    const list = listFor(run);
    const { images } = rendered(run);
    assert.ok(images.length > 0);
    const built = builtTags(run);
    const elsewhere = images.filter((i) => !i.image.startsWith(`${MIRROR}/`) && !projectImageAllowed(i.image, built));
    assert.deepEqual(elsewhere, [], "images not pulled from the mirror");
    assert.ok(list.images.every((ref) => ref.startsWith(`${MIRROR}/`)), "the list itself must name the mirror");
    const listed = new Set(list.images);
    assert.deepEqual(images.filter((i) => !listed.has(i.image) && !projectImageAllowed(i.image, built)), [], "images not in the list");
    const [build] = run.resources.filter((r) => r.type === "docker-build:index:Image");
    assert.equal((build.inputs.buildArgs as Record<string, string>).BASE_IMAGE, imageRef("synapse", MIRROR), "the build pulls its base through the mirror");
  });

  it("the existing platform's chart overrides point at the mirror too", async () => {
    const run = await runStack("prod-existing-1k", { imageRegistry: MIRROR });
    const values = (name: string) => (unwrapSecrets(run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.endsWith(name))!.inputs) as { values: Obj }).values;
    // Each chart composes the reference its own way; the composed result must be a mirror path
    // of a catalogue repository.
    const cnpg = values("-cnpg").image as { repository: string };
    assert.equal(cnpg.repository, `${MIRROR}/cloudnative-pg/cloudnative-pg`);
    const barman = values("-barman-cloud") as { image: { registry: string; repository: string }; sidecarImage: { registry: string; repository: string } };
    assert.equal(`${barman.image.registry}/${barman.image.repository}`, `${MIRROR}/cloudnative-pg/plugin-barman-cloud`);
    assert.equal(`${barman.sidecarImage.registry}/${barman.sidecarImage.repository}`, `${MIRROR}/cloudnative-pg/plugin-barman-cloud-sidecar`);
    const minio = (values("-minio-operator").operator as { image: { repository: string } }).image;
    assert.equal(minio.repository, `${MIRROR}/minio/operator`);
  });

  it("prod-aws-1k with imageRegistry: the cluster-autoscaler comes from the mirror", async () => {
    const run = await runStack("prod-aws-1k", { imageRegistry: MIRROR });
    const release = run.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.name.endsWith("-cluster-autoscaler"))!;
    const values = (unwrapSecrets(release.inputs) as { values: { image: { repository: string } } }).values;
    assert.equal(values.image.repository, `${MIRROR}/autoscaling/cluster-autoscaler`);
    const { images } = rendered(run);
    assert.deepEqual(images.filter((i) => !i.image.startsWith(`${MIRROR}/`) && !projectImageAllowed(i.image, builtTags(run))), []);
  });
});

describe("the Synapse the tests install is the deployed image's", () => {
  it("scripts/provision.d/20-synapse.sh derives SYNAPSE_VERSION from IMAGES.synapse.tag", () => {
    const root = path.resolve(__dirname, "../..");
    const script = fs.readFileSync(path.join(root, "scripts/provision.d/20-synapse.sh"), "utf8");
    // No second copy of the version: the assignment must read the catalogue, not a literal.
    const line = script.split("\n").find((l) => l.startsWith("SYNAPSE_VERSION="));
    assert.ok(line, "SYNAPSE_VERSION= assignment not found");
    assert.doesNotMatch(line, /^SYNAPSE_VERSION="?\d/, "SYNAPSE_VERSION is a literal again");
    // Run the assignment as the script does (from the project root) and compare.
    const got = execFileSync("bash", ["-c", `${line}\nprintf %s "$SYNAPSE_VERSION"`], { cwd: root, encoding: "utf8" });
    assert.match(IMAGES.synapse.tag, /^v\d+\.\d+\.\d+$/);
    assert.equal(got, IMAGES.synapse.tag.slice(1));
  });
});
