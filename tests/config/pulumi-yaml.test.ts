import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_KEYS, CONFIG_KEY_NAMES, SECRET_CONFIG_KEYS, parseSpec } from "../../config";
import { loadStackConfig } from "../../stacks/stack-config";

const root = path.resolve(__dirname, "../..");

describe("config: Pulumi.yaml declares exactly the keys the program validates", () => {
  const doc = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));

  it("is the matrix-platform nodejs project", () => {
    assert.equal(doc.name, "matrix-platform");
    assert.equal(doc.runtime.name, "nodejs");
  });

  it("declares every key with its type and a description, and nothing else", () => {
    const declared = Object.keys(doc.config).map((k) => k.replace(/^matrix-platform:/, "")).sort();
    assert.deepEqual(declared, [...CONFIG_KEY_NAMES].sort());
    for (const k of CONFIG_KEY_NAMES) {
      const d = doc.config[`matrix-platform:${k}`];
      // Integer and boolean keys state their type in the description: a declared `type:` would make
      // the CLI refuse their "unset" default (scripts/pulumi-yaml.ts, declaredKey).
      if (CONFIG_KEYS[k].type === "string") assert.equal(d.type, "string", k);
      else assert.ok(d.type === undefined && d.description.endsWith(`Type: ${CONFIG_KEYS[k].type}.`), k);
      assert.ok(d.description.includes(CONFIG_KEYS[k].description), `${k}: description out of date, run npm run pulumi-yaml`);
      // `secret: true` with a plain default is refused by the CLI ("must be encrypted as it's
      // secret"), so credentials say it in words and the program refuses plain values.
      assert.equal(d.secret, undefined, k);
      assert.equal(d.description.includes("pulumi config set --secret`; a plain value is refused"), SECRET_CONFIG_KEYS.includes(k), k);
    }
  });

  it("the dev and prod stack files are valid configs with the intended shape", () => {
    const dev = parseSpec(loadStackConfig("dev", [root]), "dev");
    assert.deepEqual([dev.platform, dev.environment, dev.ccu], ["existing", "dev", 100]);
    const prod = parseSpec(loadStackConfig("prod", [root]), "prod");
    assert.deepEqual([prod.platform, prod.environment, prod.ccu], ["aws", "prod", 2000]);
    assert.deepEqual([prod.bridges.telegram.accounts, prod.bridges.whatsapp.accounts], [5000, 5000]);
  });
});

describe("config: README documents every key", () => {
  it("its config table is the one generated from the key table", async () => {
    const { withReadmeTable } = await import("../../scripts/pulumi-yaml");
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    assert.equal(withReadmeTable(readme), readme, "README config table out of date: run npm run pulumi-yaml");
    for (const k of CONFIG_KEY_NAMES) assert.ok(readme.includes(`| \`${k}\` |`), k);
  });
});
