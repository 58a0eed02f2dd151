/**
 * Dumps what the program renders for stacks, for comparing two versions of the program:
 *
 *   TS_NODE_TRANSPILE_ONLY=true npx ts-node scripts/dump-rendered.ts <dir> [<stack>...]
 *
 * Renders each stack (default: dev, prod and every preset) with the validation gate's own path
 * (scripts/validate.ts renderStack: the program under the mock engine, manifests as the plan
 * writes them) and writes <dir>/<stack>/resources.json (every registered resource: type, name,
 * parent, custom, protect, dependsOn and its inputs, secret values kept and marked) and
 * <dir>/<stack>/manifests/. Prints one digest per stack; `diff -r` of two dumps shows any change.
 *
 * The one value that differs between two runs of the same program is normalised: the mock
 * engine's RSA keys (stacks/mock-outputs.ts mockRsa) are random for each process, so a PEM block
 * longer than an Ed25519 key becomes `<PEM <label>>`.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isSecretValue } from "../stacks/mock-engine";
import { manifestYaml } from "../stacks/manifests";
import { allPresetNames } from "../stacks/presets";
import { renderStack } from "./validate";

/** Longer than any Ed25519 PEM (about 120 characters of body): only RSA keys are this long. */
const LONG_PEM = /-----BEGIN ([A-Z ]+)-----[A-Za-z0-9+/=\r\n]{400,}?-----END \1-----/g;

/** A JSON-able copy: secrets as {"[secret]": value}, random RSA PEMs replaced, undefined kept visible. */
export function comparable(value: unknown): unknown {
  if (isSecretValue(value)) return { "[secret]": comparable(value.value) };
  if (typeof value === "string") return value.replace(LONG_PEM, (_m, label: string) => `<PEM ${label}>`);
  if (value === undefined) return "[undefined]";
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  return value;
}

async function main(argv: string[]): Promise<void> {
  const [dir, ...named] = argv;
  if (!dir) throw new Error("usage: ts-node scripts/dump-rendered.ts <dir> [<stack>...]");
  const stacks = named.length ? named : ["dev", "prod", ...allPresetNames()];
  for (const stack of stacks) {
    const rendered = await renderStack(stack);
    const out = path.join(dir, stack);
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(path.join(out, "manifests"), { recursive: true });
    const hash = createHash("sha256");
    const resources = JSON.stringify(comparable(rendered.resources.map((r) => ({ type: r.type, name: r.name, parent: r.parent, custom: r.custom, protect: r.protect, dependsOn: r.dependsOn, inputs: r.inputs }))), null, 1);
    fs.writeFileSync(path.join(out, "resources.json"), resources);
    hash.update(resources);
    for (const m of rendered.manifests) {
      const text = String(comparable(manifestYaml(m.object)));
      const file = path.join(out, "manifests", m.path);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
      hash.update(`\0${m.path}\0${m.source}\0${text}`);
    }
    console.log(`${stack} ${rendered.resources.length} resources ${rendered.manifests.length} manifests ${hash.digest("hex").slice(0, 16)}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e instanceof Error ? e.stack ?? e.message : e);
    process.exit(1);
  });
}
