/**
 * Issue 10 item 5, as a property: every value a key accepts renders objects the gate accepts.
 * fast-check generates values around (and past the edges of) what the keys that feed
 * rendered objects allow — the domain (host names), the image registry (every image reference), the
 * StorageClass, the upload limit (HAProxy and Synapse), cloud regions, admin source ranges —
 * renders the whole stack under the mock engine and runs the gate's own validators on it:
 * pod security and network findings on every run, kubeconform -strict on the first few (it is
 * the slow one), plus `haproxy -c` on the rendered haproxy.cfg and the distribution spec's
 * grammar on every image. A bounded number of runs (six) keeps it to a few minutes on a busy machine.
 */
import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { ConfigValidationError, parseSpec, PROJECT } from "../../config";
import { AWS_REGIONS, GCP_REGIONS } from "../../catalog/regions";
import { size } from "../../sizing";
import { assertDeployable } from "../../sizing/deployable";
import { runWithMocks, unwrapSecrets } from "../../stacks/mock-engine";
import { manifestYaml, manifestsFrom, type KubeObject } from "../../stacks/manifests";
import { kubeconform, kubernetesVersionsFor, networkFindings, podSecurityFindings } from "../../scripts/validate";

const RUNS = 20;
const KUBECONFORM_RUNS = 2;

const label = (max: number) => fc.stringMatching(new RegExp(`^[a-z0-9]([a-z0-9-]{0,${max - 2}}[a-z0-9])?$`)).filter((l) => l.length <= max);
const tld = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
/**
 * Domains anywhere up to the 253 characters a DNS name may have, biased to the long end: the
 * hosts built from the longest ones no longer fit, and must be refused rather than rendered.
 */
const domain = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.array(label(63), { minLength: 1, maxLength: 3 }), tld).map(([ls, t]) => [...ls, t].join(".")) },
  { weight: 1, arbitrary: fc.tuple(fc.array(fc.stringMatching(/^[a-z0-9]{55,63}$/), { minLength: 3, maxLength: 3 }), fc.integer({ min: 1, max: 60 }), tld)
    .map(([ls, n, t]) => [...ls, "a".repeat(n), t].join(".")).filter((d) => d.length <= 253) },
);
const pathComponent = fc.tuple(fc.stringMatching(/^[a-z0-9]{1,8}$/), fc.constantFrom("", ".", "_", "__", "-", "--"), fc.stringMatching(/^[a-z0-9]{1,8}$/)).map(([a, sep, b]) => (sep ? `${a}${sep}${b}` : a));
const registry = fc.tuple(
  fc.array(label(20), { minLength: 1, maxLength: 3 }).map((ls) => ls.join(".")),
  // Ports at and beyond both ends of 1-65535: out-of-range ones must be refused.
  fc.option(fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 65535 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 65535, 65536, 99999) })),
  fc.array(pathComponent, { maxLength: 3 }),
).map(([host, port, comps]) => `${host}${port === null ? "" : `:${port}`}${comps.map((c) => `/${c}`).join("")}`).filter((r) => r.length <= 128);
const storageClass = fc.oneof(
  { weight: 4, arbitrary: fc.array(label(20), { minLength: 1, maxLength: 4 }).map((ls) => ls.join(".")) },
  { weight: 1, arbitrary: fc.constantFrom("fast..ssd", "fast.-ssd", "a-") },
);
const uploadSize = fc.oneof({ weight: 1, arbitrary: fc.constantFrom("1K", "64G", "65536M", "1G", "0M", "99999999G") }, { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom("K", "M")) }).map((v) => (typeof v === "string" ? v : `${v[0]}${v[1]}`));
const ipv4Cidr = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, b]) => `${a}/${b}`);
const ranges = fc.array(ipv4Cidr, { minLength: 1, maxLength: 3 }).map((r) => r.join(","));

const stackConfig = fc.oneof(
  fc.record({ platform: fc.constant("existing"), domain, imageRegistry: registry, storageClass, maxUploadSize: uploadSize, adminSourceRanges: ranges }),
  fc.record({ platform: fc.constant("aws"), domain, imageRegistry: registry, maxUploadSize: uploadSize, region: fc.constantFrom(...AWS_REGIONS) }),
  fc.record({ platform: fc.constant("gcp"), domain, imageRegistry: registry, maxUploadSize: uploadSize, region: fc.constantFrom(...GCP_REGIONS), gcpProject: fc.constant("matrix-prop") }),
);

/** The distribution spec's reference grammar: [host[:port]/]path[:tag][@digest], at most 255 for the name. */
const IMAGE_REF = /^(?<name>(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::(?<port>[0-9]+))?\/)?[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$/;

function imageProblems(image: string): string[] {
  const m = IMAGE_REF.exec(image);
  if (!m) return [`${image}: not a valid image reference`];
  const out: string[] = [];
  if (m.groups!.name.length > 255) out.push(`${image}: name longer than 255 characters`);
  const port = m.groups!.port;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) out.push(`${image}: port ${port}`);
  return out;
}

function imagesOf(o: unknown): string[] {
  if (Array.isArray(o)) return o.flatMap(imagesOf);
  if (o && typeof o === "object") {
    return Object.entries(o).flatMap(([k, v]) => (k === "image" && typeof v === "string" ? [v] : imagesOf(v)));
  }
  return [];
}

describe("property: accepted values render objects the gate accepts", function () {
  this.timeout(900_000);
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "accepted-values-"))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it(`${RUNS} generated stacks: kubeconform, pod security, network policies, haproxy -c and image references`, async () => {
    const { program } = await import("../../program");
    let run = 0;
    let rendered = 0;
    await fc.assert(
      fc.asyncProperty(stackConfig, async (values) => {
        run++;
        const t0 = Date.now();
        const config = Object.fromEntries(Object.entries({ ...values, tlsIssuer: "selfsigned" }).map(([k, v]) => [`${PROJECT}:${k}`, String(v)]));
        const stack = `prop-${run}`;
        let spec;
        try {
          spec = parseSpec(config, stack);
          assertDeployable(spec);
        } catch (e) {
          // Refused with a config error is fine (the property is about accepted values).
          if (process.env.PROPERTY_LOG) console.log(`run ${run}: refused`);
          if (e instanceof ConfigValidationError) return;
          throw e;
        }
        rendered++;
        const result = await runWithMocks({ project: PROJECT, stack, config, program: () => program(spec, size(spec)) });
        const manifests = manifestsFrom(result.resources);
        const objects = manifests.map((m) => m.object as KubeObject);
        assert.deepEqual(podSecurityFindings(stack, objects), [], JSON.stringify(values));
        assert.deepEqual(networkFindings(stack, objects), [], JSON.stringify(values));
        const images = [...new Set(objects.flatMap(imagesOf))];
        assert.ok(images.length > 0);
        assert.deepEqual(images.flatMap(imageProblems), [], JSON.stringify(values));
        // Host names on the routes: DNS names within 253 characters and 63 per label.
        for (const o of objects.filter((x) => x.kind === "HTTPRoute")) {
          for (const h of ((o.spec as { hostnames?: string[] }).hostnames ?? [])) {
            assert.ok(h.length <= 253 && h.split(".").every((l) => l.length >= 1 && l.length <= 63), `${h} (${JSON.stringify(values)})`);
          }
        }
        // haproxy.cfg as HAProxy reads it (the upload limit is rendered into it).
        // Synapse's HAProxy by name: the Redis proxies' ConfigMaps hold a haproxy.cfg too.
        const cm = result.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && (unwrapSecrets(r.inputs) as { metadata?: { name?: string } }).metadata?.name === "haproxy");
        const cfg = (unwrapSecrets(cm!.inputs) as { data: Record<string, string> }).data["haproxy.cfg"];
        assert.ok(cfg.includes(`gt ${spec.synapse.maxUploadBytes} }`), "the upload limit is rendered as whole bytes");
        const file = path.join(tmp, `${stack}-haproxy.cfg`);
        fs.writeFileSync(file, cfg.replace(/^ {4}maxconn \d+$/m, "    maxconn 1000"));
        execFileSync("haproxy", ["-c", "-q", "-f", file], { stdio: ["ignore", "pipe", "pipe"] });
        if (process.env.PROPERTY_LOG) console.log(`run ${run}: rendered in ${Date.now() - t0} ms`);
        if (rendered <= KUBECONFORM_RUNS) {
          const dir = path.join(tmp, stack);
          for (const m of manifests) {
            const f = path.join(dir, m.path);
            fs.mkdirSync(path.dirname(f), { recursive: true });
            fs.writeFileSync(f, manifestYaml(m.object));
          }
          for (const version of kubernetesVersionsFor(spec.platform)) {
            const bad = kubeconform(dir, version).filter((r) => r.status !== "statusValid");
            assert.deepEqual(bad.map((r) => `${r.kind}/${r.name}: ${r.status} ${r.msg ?? ""}`), [], `${JSON.stringify(values)} on Kubernetes ${version}`);
          }
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // Edge values are weighted so that about two in three configs are valid (fewer than a quarter
    // accepted is then vanishingly unlikely): fewer means the generators no longer produce what
    // the keys accept, and the property would test little.
    assert.ok(rendered >= RUNS / 4, `only ${rendered} of ${RUNS} generated configs were accepted: the generators drifted from the keys`);
  });
});
