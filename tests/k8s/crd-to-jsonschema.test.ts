import { strict as assert } from "assert";
import { crdSchemas, toJsonSchema } from "../../scripts/crd-to-jsonschema";

describe("scripts/crd-to-jsonschema: CRD openAPIV3Schema -> kubeconform JSON schema", () => {
  it("makes objects with listed properties strict, except where the CRD preserves unknown fields", () => {
    const s = toJsonSchema({
      type: "object",
      properties: {
        spec: { type: "object", properties: { a: { type: "string" } } },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { b: { type: "string" } } },
        map: { type: "object", additionalProperties: { type: "string" } },
      },
    }) as any;
    assert.equal(s.additionalProperties, false);
    assert.equal(s.properties.spec.additionalProperties, false);
    assert.equal(s.properties.free.additionalProperties, undefined);
    assert.deepEqual(s.properties.map.additionalProperties, { type: "string" });
  });

  it("turns nullable and int-or-string into JSON Schema types, and leaves values alone", () => {
    const s = toJsonSchema({
      type: "object",
      properties: {
        n: { type: "string", nullable: true },
        port: { "x-kubernetes-int-or-string": true },
        both: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
        // A property literally named like a keyword is a property, not a keyword.
        properties: { type: "string" },
        mode: { type: "string", enum: ["a", "b"], default: "a" },
      },
      required: ["n"],
    }) as any;
    assert.deepEqual(s.properties.n.type, ["string", "null"]);
    assert.deepEqual(s.properties.port.type, ["integer", "string"]);
    assert.equal(s.properties.both.type, undefined);
    assert.deepEqual(s.properties.properties, { type: "string" });
    assert.deepEqual(s.properties.mode.enum, ["a", "b"]);
    assert.deepEqual(s.required, ["n"]);
  });

  it("writes one file per served version, named <kind>-<group>-<version>.json, pinning apiVersion and kind", () => {
    const out = crdSchemas({
      kind: "CustomResourceDefinition",
      spec: {
        group: "example.com",
        names: { kind: "Widget" },
        versions: [
          { name: "v1", served: true, schema: { openAPIV3Schema: { type: "object", properties: { spec: { type: "object", properties: { size: { type: "integer" } } } } } } },
          { name: "v1alpha1", served: false, schema: { openAPIV3Schema: { type: "object" } } },
        ],
      },
    });
    assert.deepEqual(Object.keys(out), ["widget-example.com-v1.json"]);
    const s = out["widget-example.com-v1.json"] as any;
    assert.deepEqual(s.properties.apiVersion.enum, ["example.com/v1"]);
    assert.deepEqual(s.properties.kind.enum, ["Widget"]);
    assert.equal(s.additionalProperties, false);
  });
});
