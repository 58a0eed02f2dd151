/**
 * Writes a folder of generated files so that afterwards it holds exactly those files, without
 * deleting and recreating it: a re-plan overwrites what is already there and removes only what
 * is no longer generated. (Deleting the previous plan's few hundred files first was a tenth of a
 * plan's CPU time.)
 */
import * as fs from "fs";
import * as path from "path";

export class OutputDir {
  private readonly written = new Set<string>();
  private readonly dirs = new Set<string>();

  constructor(readonly root: string) {}

  /** Writes `relPath` under the root, creating folders as needed. */
  write(relPath: string, content: string): void {
    const file = path.join(this.root, relPath);
    const dir = path.dirname(file);
    if (!this.dirs.has(dir)) {
      this.makeDir(dir);
      for (let d = dir; d.startsWith(this.root); d = path.dirname(d)) this.dirs.add(d);
    }
    try {
      fs.writeFileSync(file, content);
    } catch (e) {
      // A folder left by an earlier plan where a file now goes.
      if ((e as NodeJS.ErrnoException).code !== "EISDIR") throw e;
      fs.rmSync(file, { recursive: true, force: true });
      fs.writeFileSync(file, content);
    }
    this.written.add(file);
  }

  private makeDir(dir: string): void {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (e) {
      // A file left by an earlier plan where a folder now goes: remove it and try again.
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" && code !== "ENOTDIR") throw e;
      for (let d = dir; d.startsWith(this.root); d = path.dirname(d)) {
        if (fs.existsSync(d) && !fs.lstatSync(d).isDirectory()) fs.rmSync(d, { force: true });
      }
      fs.mkdirSync(dir, { recursive: true });
    }
  }

  /** Removes everything under the root that this OutputDir did not write (files, links, emptied folders). */
  removeStale(): void {
    const sweep = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!this.dirs.has(p)) fs.rmSync(p, { recursive: true, force: true });
          else sweep(p);
        } else if (!this.written.has(p)) fs.rmSync(p, { force: true });
      }
    };
    if (fs.existsSync(this.root)) sweep(this.root);
  }
}
