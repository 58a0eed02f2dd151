/**
 * Work the Pulumi SDK does for an engine that the mock engine never reads, switched off for
 * mocked runs. Measured with `node --cpu-prof` on `npm run plan -- --stack prod-aws-20k`: these
 * stack captures were about a third of the plan's CPU time above its floor (stacks/bench-plan.ts).
 *
 * - `debuggablePromise` (runtime/debuggable.js) formats `new Error().stack` for every promise it
 *   wraps: four per input property of every resource (transferProperties), more per registration.
 *   The text is only ever read by the leak report that PULUMI_DEBUG_PROMISE_LEAKS turns on, so
 *   with that variable unset nothing can observe it; with it set, nothing here changes.
 * - `Resource.stackTrace` formats an unlimited stack per resource for the request's
 *   `sourcePosition` and `stackTrace`, which the engine shows in diagnostics. The mock monitor
 *   (runtime/mocks.js) never reads either field, and neither reaches a `newResource` mock.
 *
 * Only the mock engine installs this (a real deployment keeps both), and it is installed once
 * per process, before the first mocked run.
 */
import * as pulumi from "@pulumi/pulumi";
// The SDK's own module object (not an ES namespace copy, whose members cannot be replaced): the
// SDK reads `debuggable_1.debuggablePromise` at each call, so replacing the export takes effect.
import debuggable = require("@pulumi/pulumi/runtime/debuggable");

let installed = false;

type DebuggablePromise = <T>(p: Promise<T>, ctx: unknown) => Promise<T>;

/** Runs `fn` with V8 collecting no stack frames, so `new Error().stack` inside costs nothing. */
function withoutStackFrames<T>(fn: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function installMockFastPaths(): void {
  if (installed) return;
  installed = true;
  const sdk = debuggable as unknown as { debuggablePromise: DebuggablePromise; debugPromiseLeaks: boolean };
  if (!sdk.debugPromiseLeaks) {
    const original = sdk.debuggablePromise;
    sdk.debuggablePromise = (p, ctx) => withoutStackFrames(() => original(p, ctx));
  }
  (pulumi.Resource as unknown as { stackTrace: () => unknown[] }).stackTrace = () => [];
}
