/**
 * `npm run images [-- --stack <name>] [--registry host/path] [--format text|plain|skopeo|charts]`:
 * what an air-gapped site mirrors.
 * With `--stack` (a Pulumi.<name>.yaml or a preset such as prod-aws-5k): that stack's images and
 * Helm charts, through its own `imageRegistry` / `chartRepository`; without it, every image of
 * the catalogue. `--registry` replaces the registry either way.
 * Formats: `text` (default) images then charts, with headings; `plain` one image reference a
 * line; `skopeo` the `skopeo sync --src yaml` input (upstream sources); `charts` one `helm pull`
 * command a chart.
 */
import { parseSpec } from "../config";
import { formatArtifacts, helmPullCommands, skopeoSyncYaml, stackArtifacts, type StackArtifacts } from "../catalog/image-list";
import { IMAGES, imageList, type ImageName } from "../catalog/images";
import { loadStackConfig } from "./stack-config";

const FORMATS = ["text", "plain", "skopeo", "charts"] as const;
type Format = (typeof FORMATS)[number];

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value`);
  return value;
}

function main(): void {
  const registry = arg("--registry");
  const stack = arg("--stack");
  const format = (arg("--format") ?? "text") as Format;
  if (!FORMATS.includes(format)) throw new Error(`--format: "${format}" is not one of ${FORMATS.join(", ")}`);
  let artifacts: StackArtifacts | undefined;
  let names: ImageName[];
  if (stack) {
    const spec = parseSpec(loadStackConfig(stack), stack);
    artifacts = stackArtifacts({ ...spec, imageRegistry: registry ?? spec.imageRegistry });
    names = artifacts.imageNames;
  } else {
    names = Object.keys(IMAGES) as ImageName[];
  }
  const out: string[] = [];
  if (format === "skopeo") out.push(skopeoSyncYaml(names).trimEnd());
  else if (format === "charts") {
    if (!artifacts) throw new Error("--format charts needs --stack <name> (the charts depend on the platform and features)");
    out.push(...helmPullCommands(artifacts.charts));
  } else if (format === "plain") out.push(...(artifacts ? artifacts.images : imageList(registry)));
  else out.push(...(artifacts ? formatArtifacts(artifacts) : imageList(registry)));
  for (const line of out) console.log(line);
}

try {
  main();
} catch (e) {
  console.error(`images: ${(e as Error).message}`);
  process.exit(2);
}
