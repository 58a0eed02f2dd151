/**
 * During `pulumi preview`, CrossGuard hands a stack policy the resources' properties behind a
 * proxy that throws on any value the engine cannot know yet (a generated name, the digest of an
 * image not built yet). A check that walks every property would stop at the first one, and the
 * engine then reports the whole policy as "can't run during preview" — advisory, so nothing is
 * enforced. The real engine showed it for all ten policies on a stack being created.
 *
 * `knownValues` copies the properties into plain data, each unknown value replaced by
 * UNKNOWN_DURING_PREVIEW, so the checks judge everything that is known; `pulumi up` runs them
 * again when every value is.
 */
export const UNKNOWN_DURING_PREVIEW = "<unknown during preview>";

export function knownValues(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => read(value as unknown as Record<number, unknown>, i));
  return Object.fromEntries(Object.keys(value).map((k) => [k, read(value as Record<string, unknown>, k)]));
}

function read(container: Record<string | number, unknown>, key: string | number): unknown {
  let v: unknown;
  try {
    v = container[key];
  } catch {
    return UNKNOWN_DURING_PREVIEW;
  }
  return knownValues(v);
}
