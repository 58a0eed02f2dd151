/**
 * Ordinary least squares for y = intercept + slope x, with the standard errors of both and the
 * residual error: the measured model's "fixed base plus a per-user slope, with the fit's error".
 * Pure; errors are null where the data cannot give them (fewer than three points, or one x).
 */

export interface LinearFit {
  intercept: number;
  slope: number;
  /** Standard errors of intercept and slope; null with fewer than 3 points. */
  interceptStdErr: number | null;
  slopeStdErr: number | null;
  /** Root-mean-square residual (same unit as y). */
  rmse: number;
  /** Coefficient of determination; 1 for a perfect fit, null when y does not vary. */
  r2: number | null;
  n: number;
}

export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = xs.length;
  if (n !== ys.length) throw new Error(`linearFit: ${n} x values and ${ys.length} y values`);
  if (n === 0) throw new Error("linearFit: no points");
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  // One distinct x: no slope can be read; the level is the mean.
  const slope = sxx > 0 ? sxy / sxx : 0;
  const intercept = my - slope * mx;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (ys[i] - (intercept + slope * xs[i])) ** 2;
  const dof = n - 2;
  const s2 = dof > 0 ? sse / dof : null;
  const slopeStdErr = s2 !== null && sxx > 0 ? Math.sqrt(s2 / sxx) : null;
  const interceptStdErr = s2 !== null && sxx > 0 ? Math.sqrt(s2 * (1 / n + (mx * mx) / sxx)) : null;
  return { intercept, slope, interceptStdErr, slopeStdErr, rmse: Math.sqrt(sse / n), r2: syy > 0 ? 1 - sse / syy : null, n };
}

/** The fitted value at x. */
export function fitAt(f: Pick<LinearFit, "intercept" | "slope">, x: number): number {
  return f.intercept + f.slope * x;
}

/** Where the fit reaches y (null when it never does going up: a flat or falling line). */
export function fitReaches(f: Pick<LinearFit, "intercept" | "slope">, y: number): number | null {
  if (f.slope <= 0) return null;
  return (y - f.intercept) / f.slope;
}
