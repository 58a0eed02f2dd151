/** Raw stack config for tests: keys without the project prefix, and the parser's refusal of it. */
import { strict as assert } from "assert";
import { ConfigValidationError, parseSpec } from "../../config";

export const PROJECT_PREFIX = "matrix-platform";

/** `{ ccu: "100" }` -> `{ "matrix-platform:ccu": "100" }` (keys with a namespace stay as they are). */
export function prefixedConfig(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.includes(":") ? k : `${PROJECT_PREFIX}:${k}`, v]));
}

/** The message the parser refuses `raw` with; fails the test when it is accepted. */
export function refusalOf(raw: Record<string, string>): string {
  try {
    parseSpec(prefixedConfig(raw), "test");
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.message;
    throw e;
  }
  return assert.fail(`expected ${JSON.stringify(raw)} to be refused`);
}
