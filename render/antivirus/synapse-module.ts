/**
 * The `modules:` entry of Synapse's media-scanning module (images/synapse/modules/antivirus),
 * rendered for the processes that handle media. No secret is in it: the scan workers' bearer
 * token is a file path.
 */

/** The module's import path, as Synapse's `modules[].module` names it. */
export const ANTIVIRUS_MODULE = "matrix_platform_antivirus.AntivirusScanner";

export interface AntivirusModuleInput {
  /** The scan workers' `POST /scan` URL (their Service). */
  scanUrl: string;
  /** File holding the scan workers' bearer token (mounted from its Secret). */
  tokenPath: string;
  /** `antivirusFailOpen`: accept uploads while the scanner is unreachable (default false: refuse). */
  failOpen: boolean;
  /** Seconds to wait for a verdict before treating the scanner as unreachable. */
  timeoutSeconds: number;
}

export function renderAntivirusModule(input: AntivirusModuleInput): { module: string; config: Record<string, unknown> } {
  return {
    module: ANTIVIRUS_MODULE,
    config: {
      scan_url: input.scanUrl,
      token_path: input.tokenPath,
      fail_open: input.failOpen,
      timeout_seconds: input.timeoutSeconds,
    },
  };
}
