/**
 * Reading a value off the five profile points for any CCU. Between two points the value is
 * interpolated linearly; above the last point it grows in proportion to CCU (the document doubles
 * everything from 10k to 20k, so proportional is its own trend); below the first point the first
 * value holds (100 CCU is the smallest deployment the document describes).
 *
 * Every series fed in here is non-decreasing across the points, and linear interpolation of a
 * non-decreasing series is non-decreasing, so everything read through these functions is monotone
 * in CCU, which the property tests hold.
 */
import { CCU_PROFILES } from "../catalog/profiles";

export const PROFILE_POINTS: readonly number[] = CCU_PROFILES.map((p) => p.ccu);

/** Floating-point slack so that 2.0000000001 does not round up to 3. */
const EPSILON = 1e-9;

export function ceilClean(x: number): number {
  return Math.ceil(x - EPSILON);
}

/** Linear read of `values` (one per profile point) at `ccu`. */
export function interpolate(ccu: number, values: readonly number[]): number {
  const points = PROFILE_POINTS;
  if (values.length !== points.length) throw new Error(`need ${points.length} values, got ${values.length}`);
  if (ccu <= points[0]) return values[0];
  const last = points.length - 1;
  if (ccu >= points[last]) return values[last] * (ccu / points[last]);
  let i = 0;
  while (ccu > points[i + 1]) i++;
  const t = (ccu - points[i]) / (points[i + 1] - points[i]);
  return values[i] + (values[i + 1] - values[i]) * t;
}

/** Like `interpolate`, but holds the last value above the last point (per-pod sizes stop growing;
 * replica counts carry the growth). */
export function interpolateHold(ccu: number, values: readonly number[]): number {
  const last = PROFILE_POINTS[PROFILE_POINTS.length - 1];
  return interpolate(Math.min(ccu, last), values);
}

/** Interpolated count, rounded up ("round up" between brackets: never under-provision). */
export function interpolateCount(ccu: number, values: readonly number[]): number {
  return ceilClean(interpolate(ccu, values));
}

/** Label of the profile(s) a CCU falls on or between, e.g. "5k" or "1k..5k" or ">20k". */
export function profileLabel(ccu: number): string {
  const exact = CCU_PROFILES.find((p) => p.ccu === ccu);
  if (exact) return exact.name;
  if (ccu < CCU_PROFILES[0].ccu) return `<${CCU_PROFILES[0].name}`;
  const last = CCU_PROFILES[CCU_PROFILES.length - 1];
  if (ccu > last.ccu) return `>${last.name}`;
  const i = CCU_PROFILES.findIndex((p) => p.ccu > ccu);
  return `${CCU_PROFILES[i - 1].name}..${CCU_PROFILES[i].name}`;
}
