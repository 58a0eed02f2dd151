/**
 * Which process type the catalogue says should serve a request — computed from the same
 * catalog/workers.ts routes the HAProxy renderer reads, so the e2e checks the rendered routing
 * against the catalogue rather than against a second copy of the rules.
 */
import { WORKER_TYPES, type WorkerType } from "../catalog/workers";

export const MAIN = "main";

export interface RequestShape {
  method: string;
  /** Path without query string. */
  path: string;
  /** Query parameters (only `since` matters to routing). */
  query?: URLSearchParams;
}

function groupMatches(group: WorkerType["routes"][number], req: RequestShape): boolean {
  if (group.methods && !group.methods.map((m) => m.toUpperCase()).includes(req.method.toUpperCase())) return false;
  if (group.initialSyncOnly && req.query?.has("since")) return false;
  // Synapse's documented worker routes are matched case-insensitively (nginx `location ~*`).
  return group.paths.some((p) => new RegExp(p, "i").test(req.path));
}

/** Every worker type with a route matching the request, in catalogue order. */
export function matchingTypes(req: RequestShape, types: readonly WorkerType[] = WORKER_TYPES): string[] {
  return types.filter((t) => t.routes.some((g) => groupMatches(g, req))).map((t) => t.name);
}

/**
 * The type that must serve the request. The catalogue's array order is its routing precedence
 * (HAProxy tries the route groups in that order and the first match wins: narrow stream-writer
 * routes before the broad client-reader list, initial syncs before incremental ones), so the
 * expectation is the first type with a matching route group. No match means main.
 */
export function expectedType(req: RequestShape, types: readonly WorkerType[] = WORKER_TYPES): string {
  const first = types.find((t) => t.routes.some((g) => groupMatches(g, req)));
  return first ? first.name : MAIN;
}
