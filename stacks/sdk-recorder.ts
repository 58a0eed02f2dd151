/**
 * Which Pulumi SDK files a run loads, for `npm run bench:plan`: its floor (stacks/plan-floor.ts)
 * loads exactly these, so a stack that needs only some SDKs is not measured against a floor that
 * loads them all.
 *
 * Preloaded into one untimed probe run of the plan as NODE_OPTIONS="--require <this file>" with
 * SDK_RECORD_DIR=<dir>. On exit, a process that loaded any file of a package under
 * node_modules/@pulumi/ writes their paths, in load order, to <dir>/<pid>.json (NODE_OPTIONS
 * reaches npm and its shell too; they load none and write nothing).
 */
import * as fs from "fs";
import * as path from "path";

const SDK_FILE = /[\\/]node_modules[\\/]@pulumi[\\/]/;

/** The SDK files among loaded module paths (require.cache keys, in the order they were loaded). */
export function sdkFiles(loaded: string[]): string[] {
  return loaded.filter((f) => SDK_FILE.test(f));
}

/** The packages those files belong to (`@pulumi/<name>`), each once, in first-load order. */
export function sdkPackages(files: string[]): string[] {
  // The last node_modules in a path is the package the file belongs to.
  const names = files.map((f) => [...f.matchAll(/[\\/]node_modules[\\/](@pulumi)[\\/]([^\\/]+)/g)].at(-1)).filter((m) => m !== undefined).map((m) => `${m[1]}/${m[2]}`);
  return [...new Set(names)];
}

const dir = process.env.SDK_RECORD_DIR;
if (dir) {
  process.on("exit", () => {
    const files = sdkFiles(Object.keys(require.cache));
    if (files.length > 0) fs.writeFileSync(path.join(dir, `${process.pid}.json`), JSON.stringify(files));
  });
}
