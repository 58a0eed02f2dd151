/**
 * CustomResourceDefinition YAML -> kubeconform JSON schemas.
 *
 *   ts-node scripts/crd-to-jsonschema.ts <out-dir> <crd.yaml | dir>...
 *
 * Writes one `<kind>-<group>-<version>.json` per served version (kind lower-case, full group),
 * the layout the validation gate points kubeconform at with
 * `-schema-location '<out-dir>/{{ .ResourceKind }}-{{ .Group }}-{{ .ResourceAPIVersion }}.json'`.
 *
 * The schemas are made strict the way the built-in `-strict` schemas are: every object that
 * lists its properties rejects unknown ones, unless the CRD says the field preserves unknown
 * fields. OpenAPI v3 extensions become JSON Schema: `nullable` adds "null" to the type,
 * `x-kubernetes-int-or-string` allows integer or string.
 */
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";

type Schema = Record<string, unknown>;

/** OpenAPI v3 (structural CRD schema) -> JSON Schema, strict. Pure; exported for tests. */
export function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (typeof node !== "object" || node === null) return node;
  const s: Schema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === "properties" || k === "patternProperties" || k === "definitions") {
      s[k] = Object.fromEntries(Object.entries(v as Schema).map(([name, sub]) => [name, toJsonSchema(sub)]));
    } else if (k === "default" || k === "enum" || k === "example" || k === "required") {
      s[k] = v; // values, not schemas
    } else {
      s[k] = toJsonSchema(v);
    }
  }
  const preserve = s["x-kubernetes-preserve-unknown-fields"] === true;
  if (s["x-kubernetes-int-or-string"] === true && !s.type && !s.anyOf && !s.oneOf) {
    s.type = ["integer", "string"];
  }
  if (s.nullable === true) {
    if (typeof s.type === "string") s.type = [s.type, "null"];
    else if (Array.isArray(s.type) && !s.type.includes("null")) s.type = [...s.type, "null"];
    delete s.nullable;
  }
  const isObject = s.type === "object" || (Array.isArray(s.type) && s.type.includes("object"));
  if (isObject && s.properties && !preserve && s.additionalProperties === undefined) {
    s.additionalProperties = false;
  }
  return s;
}

interface Crd {
  kind: string;
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: Schema } }[];
  };
}

/** One CRD document -> `{file name: schema}`. */
export function crdSchemas(crd: Crd): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const v of crd.spec.versions ?? []) {
    const schema = v.schema?.openAPIV3Schema;
    if (!schema || v.served === false) continue;
    const js = toJsonSchema(schema) as Schema;
    // The top level always carries apiVersion/kind/metadata; the API server adds metadata's
    // schema itself, so CRDs leave it open.
    const props = { ...((js.properties as Schema) ?? {}) };
    props.apiVersion = { type: "string", enum: [`${crd.spec.group}/${v.name}`] };
    props.kind = { type: "string", enum: [crd.spec.names.kind] };
    if (!props.metadata) props.metadata = { type: "object" };
    out[`${crd.spec.names.kind.toLowerCase()}-${crd.spec.group}-${v.name}.json`] = {
      $schema: "http://json-schema.org/draft-07/schema#",
      ...js,
      type: "object",
      properties: props,
      additionalProperties: js.additionalProperties ?? false,
    };
  }
  return out;
}

function yamlFiles(p: string): string[] {
  if (fs.statSync(p).isDirectory()) {
    return fs.readdirSync(p).sort().flatMap((f) => yamlFiles(path.join(p, f)));
  }
  return /\.ya?ml$/.test(p) ? [p] : [];
}

/** Converts every CRD in the given files/directories into `outDir`; returns the file names written. */
export function convert(outDir: string, inputs: string[]): string[] {
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const file of inputs.flatMap(yamlFiles)) {
    const text = fs.readFileSync(file, "utf8");
    // Helm-templated CRD files (`{{ if ... }}` guards) are not plain YAML; the plain copies are used instead.
    if (/^\s*\{\{/m.test(text)) continue;
    for (const doc of parseAllDocuments(text)) {
      const crd = doc.toJS() as Crd | null;
      if (!crd || crd.kind !== "CustomResourceDefinition") continue;
      for (const [name, schema] of Object.entries(crdSchemas(crd))) {
        fs.writeFileSync(path.join(outDir, name), JSON.stringify(schema));
        written.push(name);
      }
    }
  }
  return written;
}

if (require.main === module) {
  const [outDir, ...inputs] = process.argv.slice(2);
  if (!outDir || inputs.length === 0) {
    console.error("usage: crd-to-jsonschema <out-dir> <crd.yaml|dir>...");
    process.exit(2);
  }
  const written = convert(outDir, inputs);
  if (written.length === 0) {
    console.error(`no CustomResourceDefinition found in ${inputs.join(" ")}`);
    process.exit(1);
  }
  console.log(`crd-to-jsonschema: ${written.length} schemas -> ${outDir}`);
}
