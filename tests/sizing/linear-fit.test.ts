/** Issue 18 item 3: the least-squares fit behind the measured model, held by properties. */
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { fitAt, fitReaches, linearFit } from "../../sizing/linear-fit";

const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 100) };
const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
const xsArb = fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 3, maxLength: 12 });
const coef = fc.double({ min: -100, max: 100, noNaN: true });

describe("linear fit (issue 18 item 3)", () => {
  it("recovers a line exactly, with zero error", () => {
    fc.assert(
      fc.property(xsArb, coef, coef, (xs, a, b) => {
        const f = linearFit(xs, xs.map((x) => a + b * x));
        assert.ok(close(f.intercept, a, 1e-5) && close(f.slope, b, 1e-5), JSON.stringify(f));
        assert.ok(f.rmse < 1e-6 * Math.max(1, Math.abs(a), Math.abs(b) * 10_000));
        assert.ok(f.slopeStdErr !== null && f.slopeStdErr < 1e-6 * Math.max(1, Math.abs(b)));
      }),
      RUNS,
    );
  });

  it("residuals sum to zero and the fit beats any other line's squared error", () => {
    fc.assert(
      fc.property(xsArb, fc.array(coef, { minLength: 12, maxLength: 12 }), coef, coef, (xs, noise, da, db) => {
        const ys = xs.map((x, i) => 3 + 0.01 * x + noise[i]);
        const f = linearFit(xs, ys);
        const res = xs.map((x, i) => ys[i] - fitAt(f, x));
        assert.ok(Math.abs(res.reduce((s, r) => s + r, 0)) < 1e-6 * xs.length * 100);
        const sse = (a: number, b: number) => xs.reduce((s, x, i) => s + (ys[i] - a - b * x) ** 2, 0);
        assert.ok(sse(f.intercept, f.slope) <= sse(f.intercept + da / 10, f.slope + db / 1e5) + 1e-6);
      }),
      RUNS,
    );
  });

  it("a textbook case: y = 1, 3, 2, 5 at x = 0..3", () => {
    const f = linearFit([0, 1, 2, 3], [1, 3, 2, 5]);
    // Sxx = 5, Sxy = 5.5: slope 1.1, intercept 2.75 - 1.65 = 1.1; SSE = 2.7, s^2 = 1.35; Syy = 8.75.
    assert.ok(close(f.slope, 1.1) && close(f.intercept, 1.1));
    assert.ok(close(f.slopeStdErr!, Math.sqrt(1.35 / 5)));
    assert.ok(close(f.interceptStdErr!, Math.sqrt(1.35 * (1 / 4 + 2.25 / 5))));
    assert.ok(close(f.r2!, 1 - 2.7 / 8.75));
  });

  it("gives no error with two points, no slope with one x, and refuses mismatched input", () => {
    assert.equal(linearFit([1, 2], [1, 2]).slopeStdErr, null);
    const flat = linearFit([5, 5, 5], [1, 2, 3]);
    assert.equal(flat.slope, 0);
    assert.equal(flat.intercept, 2);
    assert.throws(() => linearFit([1], [1, 2]), /1 x values and 2 y values/);
    assert.throws(() => linearFit([], []), /no points/);
  });

  it("finds where a rising line reaches a value, and nowhere for a flat one", () => {
    assert.equal(fitReaches({ intercept: 0.1, slope: 0.01 }, 1), 90);
    assert.equal(fitReaches({ intercept: 0.1, slope: 0 }, 1), null);
  });
});
