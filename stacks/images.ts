/**
 * `npm run images [-- --stack <name>] [-- --registry host/path]`: what an air-gapped site mirrors.
 * With `--stack` (a Pulumi.<name>.yaml or a preset such as prod-aws-5k): that stack's images and
 * Helm charts, through its own `imageRegistry` / `chartRepository`; without it, every image of
 * the catalogue. `--registry` replaces the registry either way.
 */
import { parseSpec } from "../config";
import { formatArtifacts, stackArtifacts } from "../catalog/image-list";
import { imageList } from "../catalog/images";
import { loadStackConfig } from "./stack-config";

function arg(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value`);
  return value;
}

const registry = arg("--registry");
const stack = arg("--stack");
if (stack) {
  const spec = parseSpec(loadStackConfig(stack), stack);
  for (const line of formatArtifacts(stackArtifacts({ ...spec, imageRegistry: registry ?? spec.imageRegistry }))) console.log(line);
} else {
  for (const ref of imageList(registry)) console.log(ref);
}
