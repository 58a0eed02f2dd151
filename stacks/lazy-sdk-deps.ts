/**
 * Loading `@pulumi/pulumi` loads TypeScript's compiler and npm's Arborist with it (about 0.5
 * CPU-s of a plan's start): its index loads the Automation API, whose runtime loads the closure
 * serializer (typescript-shim.js for parsing function bodies, codePaths.js for the packages a
 * serialized function needs). Neither runs unless a program serializes a JavaScript function
 * into a resource (a Lambda from a callback), which this program never does.
 *
 * Installed first by the drivers that run the program under the mock engine (stacks/plan.ts and
 * its floor stacks/plan-floor.ts, so both load the same code): a `require` of one of these from
 * inside `@pulumi/pulumi` gets a stand-in that loads the real module on its first use, and then
 * behaves as that module. Where the module cannot be resolved, the SDK's own require runs
 * unchanged (typescript-shim.js then falls back to the copy the SDK vendors).
 */
import Module = require("module");
import * as path from "path";

/** Dependencies the SDK loads at start but only uses to serialize functions. */
export const DEFERRED_SDK_DEPENDENCIES = ["typescript", "@npmcli/arborist"];

const SDK_FILE = new RegExp(`[\\\\/]node_modules[\\\\/]@pulumi[\\\\/]pulumi[\\\\/]`);

type Loader = (request: string, parent: NodeJS.Module | undefined, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Loader };

/** A module object that stands for `load()`'s result and calls it on first use. */
export function deferredModule(load: () => object): object {
  let real: object | undefined;
  const target = () => (real ??= load());
  return new Proxy(
    {},
    {
      // `__importStar` returns an `__esModule` object as it is, instead of copying every export
      // at import time (which would load the module at once).
      get: (_t, key) => (key === "__esModule" && real === undefined ? true : Reflect.get(target(), key)),
      has: (_t, key) => Reflect.has(target(), key),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_t, key) => {
        const d = Reflect.getOwnPropertyDescriptor(target(), key);
        // A proxy may not report a non-configurable property its own target lacks.
        return d && { ...d, configurable: true };
      },
      getPrototypeOf: () => Reflect.getPrototypeOf(target()),
    },
  );
}

let installed = false;

export function deferSdkDependencies(deferred = DEFERRED_SDK_DEPENDENCIES): void {
  if (installed) return;
  installed = true;
  const load = moduleInternals._load;
  const stand = new Map<string, object>();
  moduleInternals._load = function (this: unknown, request: string, parent: NodeJS.Module | undefined, isMain: boolean) {
    if (deferred.includes(request) && parent?.filename && SDK_FILE.test(parent.filename)) {
      const key = `${request}\0${path.dirname(parent.filename)}`;
      let stub = stand.get(key);
      if (!stub) {
        try {
          require.resolve(request, { paths: [path.dirname(parent.filename)] });
        } catch {
          return load.call(this, request, parent, isMain);
        }
        stub = deferredModule(() => load.call(this, request, parent, false) as object);
        stand.set(key, stub);
      }
      return stub;
    }
    return load.call(this, request, parent, isMain);
  };
}

deferSdkDependencies();
