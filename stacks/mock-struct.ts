/**
 * A faster `google.protobuf.Struct` for mocked runs. Under the mock engine every registration
 * crosses the in-process mock monitor twice as a protobuf Struct (inputs one way, echoed state
 * the other), built value by value with `Struct.fromJavaScript` and read back at once with
 * `toJavaScript`; nothing serializes it to bytes. `PlainStruct` keeps the plain value instead and
 * hands back exactly what the protobuf round trip would: the same accepted types, the same
 * error for the rest, keys in the order the protobuf map yields them (sorted). Anything else
 * asked of it (the field map, binary encoding) goes to a real Struct built on demand, so it
 * stays a correct Struct for every other use.
 *
 * Installed by the mock engine for the length of a run (stacks/mock-engine.ts).
 */
import * as path from "path";

/** The Struct class of the google-protobuf copy the Pulumi SDK itself loads (not a dependency of ours). */
type StructClass = {
  new (): StructLike;
  fromJavaScript(value: object): StructLike;
  prototype: StructLike;
};
interface StructLike {
  toJavaScript(): Record<string, unknown>;
  getFieldsMap(noLazyCreate?: boolean): unknown;
  serializeBinary(): Uint8Array;
  toObject(includeInstance?: boolean): unknown;
}

const sdkDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const structModule = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdkDir] })) as { Struct: StructClass };
const Struct = structModule.Struct;
const protobufFromJavaScript = Struct.fromJavaScript;

/**
 * The value `Struct.fromJavaScript(v).toJavaScript()` returns, computed directly: strings,
 * numbers, booleans and null as they are; arrays element by element; any other object by its
 * enumerable keys (own and inherited, as `for...in` walks them) in sorted order; anything else
 * (undefined, functions, symbols, bigints) is refused with protobuf's own message.
 */
export function structValue(value: unknown): unknown {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return value;
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map(structValue);
      return structFields(value);
    }
    default:
      throw new Error("Unexpected struct type.");
  }
}

function structFields(obj: object): Record<string, unknown> {
  const keys: string[] = [];
  for (const k in obj) keys.push(k);
  // A protobuf map yields its keys sorted; a key set twice (impossible in for...in) would keep the last.
  keys.sort();
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = structValue((obj as Record<string, unknown>)[k]);
  return out;
}

/** Deep copy of a value made of plain objects, arrays and primitives (what structValue returns). */
function copyPlain(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map(copyPlain);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) out[k] = copyPlain((value as Record<string, unknown>)[k]);
  return out;
}

/** A Struct holding its content as a plain value; a real protobuf Struct only if something asks for one. */
class PlainStruct extends (Struct as unknown as new () => StructLike) {
  private real?: StructLike;

  /** `content` is what structFields made: plain, sorted, owned by this Struct alone. */
  constructor(private readonly content: Record<string, unknown>) {
    super();
  }

  /** A fresh copy on each call, as protobuf's own conversion returns. */
  override toJavaScript(): Record<string, unknown> {
    return copyPlain(this.content) as Record<string, unknown>;
  }

  private protobuf(): StructLike {
    this.real ??= protobufFromJavaScript.call(Struct, this.content);
    return this.real;
  }

  override getFieldsMap(noLazyCreate?: boolean): unknown {
    return this.protobuf().getFieldsMap(noLazyCreate);
  }

  override serializeBinary(): Uint8Array {
    return this.protobuf().serializeBinary();
  }

  override toObject(includeInstance?: boolean): unknown {
    return this.protobuf().toObject(includeInstance);
  }
}

/** Converts now, so a refused value fails where protobuf's conversion would, and later changes to `obj` do not show. */
function plainFromJavaScript(obj: object): StructLike {
  return new PlainStruct(structFields(obj));
}

let depth = 0;

/** Swaps in PlainStruct until the returned function is called (nested runs are counted). */
export function usePlainStructs(): () => void {
  if (depth++ === 0) Struct.fromJavaScript = plainFromJavaScript;
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    if (--depth === 0) Struct.fromJavaScript = protobufFromJavaScript;
  };
}

/** For tests: the conversion protobuf itself does, whatever is installed. */
export function protobufRoundTrip(obj: object): Record<string, unknown> {
  return protobufFromJavaScript.call(Struct, obj).toJavaScript();
}
export function plainRoundTrip(obj: object): Record<string, unknown> {
  return plainFromJavaScript(obj).toJavaScript();
}
