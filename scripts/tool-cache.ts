/**
 * Where provisioned tools live (venvs, Go binaries, schemas): outside the clone, so every clone
 * on this machine (CI's fresh ones included) reuses what an earlier run built. Each piece is
 * keyed by its pinned version under this folder (see scripts/provision.d/). PROJECT_CACHE
 * overrides it; scripts/provision.sh uses the same default.
 */
import * as os from "os";
import * as path from "path";

export const TOOL_CACHE = process.env.PROJECT_CACHE ?? path.join(os.homedir(), ".cache", "matrix-platform");
