/**
 * Replace a directory in one step: its content is written into a fresh temporary directory beside
 * it, which is renamed over the old one only when complete. A failure leaves the old directory
 * (or nothing) in place, never half a new one; concurrent writers of the same directory each
 * publish a complete set of files, and the last rename wins.
 */
import * as fs from "fs";
import * as path from "path";
import { randomBytes } from "crypto";

const unique = () => `${process.pid}-${randomBytes(4).toString("hex")}`;

export function writeDirAtomically(dir: string, fill: (tmpDir: string) => void): void {
  const parent = path.dirname(dir);
  const base = path.basename(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${base}.tmp-`));
  const retired: string[] = [];
  try {
    fill(tmp);
    // rename(2) will not replace a non-empty directory: move the current one aside and retry.
    // Another writer may publish between the two renames; then its directory is moved aside too.
    for (let attempt = 0; ; attempt++) {
      try {
        fs.renameSync(tmp, dir);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if ((code !== "ENOTEMPTY" && code !== "EEXIST") || attempt >= 50) throw e;
      }
      const old = path.join(parent, `.${base}.old-${unique()}`);
      try {
        fs.renameSync(dir, old);
        retired.push(old);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    for (const old of retired) fs.rmSync(old, { recursive: true, force: true });
  }
}
