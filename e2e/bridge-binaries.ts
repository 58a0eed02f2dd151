/**
 * Where scripts/provision.d/50-bridges.sh puts the mautrix bridges it builds from the vendored
 * sources: $PROJECT_CACHE/mautrix-<network>-<version>/mautrix-<network>.
 */
import * as fs from "fs";
import * as path from "path";
import { TOOL_CACHE } from "../scripts/tool-cache";
import type { BridgeName } from "../render/synapse";

/** The version the images run (catalog/images.ts) and the provision script builds. */
export const MAUTRIX_VERSION = "v0.2608.0";

export function bridgeBinary(network: BridgeName): string {
  const bin = path.join(TOOL_CACHE, `mautrix-${network}-${MAUTRIX_VERSION}`, `mautrix-${network}`);
  if (!fs.existsSync(bin)) throw new Error(`${bin} missing: run scripts/provision.sh (50-bridges.sh builds the mautrix bridges)`);
  return bin;
}
