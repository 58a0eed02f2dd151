/**
 * The manifests the plan writes are read back with the values they were written with, by YAML
 * 1.1 readers (Kubernetes' tools: kubectl, kubeconform) and by 1.2 readers alike.
 */
import { strict as assert } from "assert";
import * as fc from "fast-check";
import { parse } from "yaml";
import { manifestYaml } from "../../stacks/manifests";

/** Strings one of the two versions reads as something other than a string. */
const AMBIGUOUS = ["y", "Y", "n", "yes", "No", "on", "OFF", "true", "False", "null", "~", "", "012", "0o17", "0x1F", "0b101", "1_000", "1:20", "1e3", "1.5", ".inf", "-.Inf", ".NaN", "2026-01-01", "2026-01-01T10:00:00Z", "<<", "=", "-", "1", "-0"];

const scalar = fc.oneof(
  fc.constantFrom(...AMBIGUOUS),
  fc.string(),
  fc.stringMatching(/^[0-9a-zA-Z._:+-]{1,12}$/),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
/**
 * Keys as Kubernetes allows them (field names, label and annotation keys, ConfigMap keys:
 * letters, digits, `-`, `_`, `.`, `/`), the ambiguous ones among them included. (`<<`, YAML
 * 1.1's merge key, is not among them: no Kubernetes key can hold `<`.)
 */
const key = fc.oneof(fc.constantFrom(...AMBIGUOUS.filter((a) => /^[-._/a-zA-Z0-9]+$/.test(a))), fc.stringMatching(/^[-._/a-zA-Z0-9]{1,20}$/));
const value = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("tree"), { maxLength: 4 }), fc.dictionary(key, tie("tree"), { maxKeys: 4 })),
})).tree;

describe("stacks/manifests: manifestYaml", () => {
  it("every value reads back the same under YAML 1.1 and 1.2", () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (object) => {
        const text = manifestYaml(object);
        const expected = JSON.parse(JSON.stringify(object)); // plain objects (fast-check's have no prototype)
        assert.deepEqual(parse(text, { version: "1.1" }), expected, text);
        assert.deepEqual(parse(text, { version: "1.2" }), expected, text);
      }),
      { numRuns: 500 },
    );
  });

  it("quotes a StorageClass named y, which a 1.1 reader would take for true (the default writer does not)", () => {
    const object = { spec: { storageClassName: "y" } };
    assert.equal(parse(manifestYaml(object), { version: "1.1" }).spec.storageClassName, "y");
    assert.match(manifestYaml(object), /storageClassName: "y"/);
  });
});
