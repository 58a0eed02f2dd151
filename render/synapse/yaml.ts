import { stringify } from "yaml";

/**
 * YAML text for a config object: block style, no anchors/aliases (a shared object would
 * otherwise become `&a1`/`*a1`), keys in insertion order, long strings left unwrapped.
 */
export function toYaml(value: unknown, header?: string): string {
  const body = stringify(value, { aliasDuplicateObjects: false, lineWidth: 0 });
  return header ? `# ${header.split("\n").join("\n# ")}\n${body}` : body;
}
