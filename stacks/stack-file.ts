/**
 * Reads a `Pulumi.<stack>.yaml` the way the Pulumi CLI would hand it to the program, refusing
 * everything the CLI would quietly drop or misread: YAML errors (duplicate keys, bad quoting, tab
 * indentation, alias bombs) and files whose shape is not a stack file (empty, not a map, a
 * misspelled `config:` section, a `config:` that is not a map). Each refusal is one line naming
 * the file, the line and the problem.
 */
import * as fs from "fs";
import * as path from "path";
import { isMap, parseDocument, visit } from "yaml";
import { distance } from "fastest-levenshtein";
import { PROJECT } from "../config/parse";

/** A stack file that cannot be read as config: the one line a person needs to fix it. */
export class StackFileError extends Error {
  constructor(readonly file: string, readonly line: number | undefined, problem: string) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${problem}`);
    this.name = "StackFileError";
  }
}

/** Top-level keys of a Pulumi stack file (config plus the secrets provider's and ESC's own). */
const STACK_FILE_SECTIONS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

/** Stand-in for a `secure:` value: the plan runs without the stack's secrets provider, so it cannot decrypt. */
export const UNDECRYPTED_SECRET = "[secure value, not decrypted by the plan]";

/** Aliases a stack file may expand in all; far more than any real file, far less than a bomb. */
const MAX_ALIAS_EXPANSIONS = 100;

export interface StackFileConfig {
  /** `{"matrix-platform:key": "value"}` as Pulumi passes config: strings, objects as JSON. */
  config: Record<string, string>;
  /** Keys whose value was a `secure:` value. */
  secretKeys: string[];
}

/** 1-based line of a character offset in the file's text. */
function lineAt(text: string, offset: number | undefined): number | undefined {
  return offset === undefined ? undefined : text.slice(0, offset).split("\n").length;
}

/** Parses the text of a stack file; `file` names it in errors. */
export function parseStackFile(text: string, file: string): StackFileConfig {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  const [first] = [...doc.errors, ...doc.warnings];
  if (first) {
    const problem = first.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new StackFileError(file, first.linePos?.[0]?.line ?? lineAt(text, first.pos?.[0]), `invalid YAML: ${problem}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS });
  } catch (e) {
    let aliasAt: number | undefined;
    visit(doc, { Alias: (_, node) => { aliasAt ??= node.range?.[0]; } });
    throw new StackFileError(file, lineAt(text, aliasAt), `invalid YAML: aliases expand to more than ${MAX_ALIAS_EXPANSIONS} nodes (${(e as Error).message.split("\n")[0]})`);
  }

  const expected = `expected a map with a config: section of ${PROJECT}:<key> entries`;
  if (value === null || value === undefined) throw new StackFileError(file, undefined, `the file is empty; ${expected}`);
  if (typeof value !== "object" || Array.isArray(value) || !isMap(doc.contents)) {
    throw new StackFileError(file, 1, `found ${Array.isArray(value) ? "a list" : `a ${typeof value}`} at the top level; ${expected}`);
  }
  const top = value as Record<string, unknown>;
  const lineOfKey = (key: string) => {
    const pair = isMap(doc.contents) ? doc.contents.items.find((p) => (p.key as { value?: unknown })?.value === key) : undefined;
    return lineAt(text, (pair?.key as { range?: [number] } | undefined)?.range?.[0]);
  };
  for (const section of Object.keys(top)) {
    if (STACK_FILE_SECTIONS.includes(section)) continue;
    const hint = STACK_FILE_SECTIONS.find((s) => distance(s, section.toLowerCase()) <= 2);
    throw new StackFileError(file, lineOfKey(section), `unknown top-level section ${JSON.stringify(section)}${hint ? ` (did you mean ${hint}:?)` : ""}; a stack file has ${STACK_FILE_SECTIONS.join(", ")}`);
  }
  if (!("config" in top)) throw new StackFileError(file, undefined, `no config: section; ${expected}`);
  const config = top.config;
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new StackFileError(file, lineOfKey("config"), `config: is ${config === null ? "empty (null)" : Array.isArray(config) ? "a list" : `a ${typeof config}`}; ${expected}`);
  }

  const out: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) {
    const key = k.includes(":") ? k : `${PROJECT}:${k}`;
    // `~` / null leaves the key unset (the program's default applies); never the string "null".
    if (v === null || v === undefined) continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v) {
      secretKeys.push(key);
      out[key] = UNDECRYPTED_SECRET;
      continue;
    }
    out[key] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return { config: out, secretKeys };
}

/** Reads and parses a stack file from disk. */
export function readStackFile(file: string): StackFileConfig {
  return parseStackFile(fs.readFileSync(file, "utf8"), path.relative(process.cwd(), file) || file);
}
