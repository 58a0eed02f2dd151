import * as assert from "assert";
import fc from "fast-check";
import { plainRoundTrip, protobufRoundTrip, structValue, usePlainStructs } from "../../stacks/mock-struct";

/** What the round trip gives, with key order made visible (deepStrictEqual ignores it). */
const shape = (v: unknown) => JSON.stringify(v, (_k, x) => (x && typeof x === "object" && !Array.isArray(x) ? Object.entries(x) : x));

const outcome = (f: () => unknown) => {
  try {
    return { value: shape(f()) };
  } catch (e) {
    return { error: (e as Error).message };
  }
};

// Keys that sort differently as strings and as numbers, plus the usual suspects.
const key = fc.oneof(fc.string(), fc.constantFrom("10", "9", "01", "-1", "B", "a", "_", "é", "constructor", "toString"));
const leaf = fc.oneof(fc.string(), fc.double(), fc.integer(), fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: "small" }, leaf, fc.array(tie("any"), { maxLength: 4 }), fc.dictionary(key, tie("any"), { maxKeys: 5 })),
})).any;

describe("PlainStruct (stacks/mock-struct.ts): the protobuf Struct round trip without protobuf", () => {
  it("returns what Struct.fromJavaScript(x).toJavaScript() returns, key order included", () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (obj) => {
        assert.deepStrictEqual(outcome(() => plainRoundTrip(obj)), outcome(() => protobufRoundTrip(obj)));
      }),
      { numRuns: 300 },
    );
  });

  it("refuses what protobuf refuses, with the same message", () => {
    for (const bad of [{ u: undefined }, { f: () => 1 }, { nested: [1, { s: Symbol("x") }] }]) {
      assert.deepStrictEqual(outcome(() => plainRoundTrip(bad)), outcome(() => protobufRoundTrip(bad)));
      assert.ok("error" in outcome(() => plainRoundTrip(bad)));
    }
    assert.throws(() => structValue(10n), /Unexpected struct type/);
  });

  it("hands out a fresh value each time, unaffected by later changes to the source or to earlier results", () => {
    const restore = usePlainStructs();
    try {
      const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [require("path").dirname(require.resolve("@pulumi/pulumi/package.json"))] }));
      const source = { list: [1, 2], obj: { a: "x" } };
      const s = Struct.fromJavaScript(source);
      source.list.push(3);
      const first = s.toJavaScript();
      first.obj.a = "changed";
      assert.deepStrictEqual(s.toJavaScript(), { list: [1, 2], obj: { a: "x" } });
      // Everything else is a real Struct: its field map and binary encoding match protobuf's.
      assert.strictEqual(s.getFieldsMap().get("obj").getStructValue().getFieldsMap().get("a").getStringValue(), "x");
      restore();
      const real = Struct.fromJavaScript({ list: [1, 2], obj: { a: "x" } });
      assert.deepStrictEqual(Buffer.from(s.serializeBinary()), Buffer.from(real.serializeBinary()));
      assert.strictEqual(real.constructor, Struct, "restored: protobuf's own conversion is back");
    } finally {
      restore();
    }
  });
});
