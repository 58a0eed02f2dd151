/** Types of ensure-compiled.js, which stays JavaScript because it runs before anything is compiled. */
export function ensureCompiled(options?: { root?: string; force?: boolean }): boolean;
export function programSources(root?: string): string[];
export function sourceHash(files: string[], root?: string): string;
