import { strict as assert } from "node:assert";
import { size } from "../../sizing";
import { schedulingFor, TIER_LABEL } from "../../sizing/tiers";
import { NODE_TIERS } from "../../sizing/types";
import { familyFor } from "../../sizing/machines";
import { specFor } from "./specs";

describe("sizing: tiers, labels and machine families", () => {
  const s = size(specFor({ platform: "existing", environment: "prod", ccu: 5000, telegram: 1000, whatsapp: 1000 }));

  it("every pool labels its nodes with its tier and dedicated tiers are tainted; system takes anything", () => {
    for (const p of s.nodePools) {
      assert.equal(p.labels[TIER_LABEL], p.tier);
      if (p.tier === "system") assert.deepEqual(p.taints, []);
      else assert.deepEqual(p.taints.map((t) => [t.value, t.effect]), [[p.tier, "NoSchedule"]]);
    }
  });

  it("schedulingFor gives pods the selector and toleration their pool asks for", () => {
    for (const p of s.nodePools) {
      const sch = schedulingFor(p.tier);
      assert.deepEqual(sch.nodeSelector, p.labels);
      assert.deepEqual(sch.tolerations.map((t) => ({ key: t.key, value: t.value, effect: t.effect })), p.taints);
    }
  });

  it("on-prem, every hardware tier of the document has a pool", () => {
    assert.deepEqual(s.nodePools.map((p) => p.tier).sort(), [...NODE_TIERS].sort());
  });

  it("AMD EPYC families; NVMe exactly where the tier asks for it; 25 Gbps for edge, homeserver and database", () => {
    const amd = /^(m7a|c7a|r7a|m5ad|r5ad)$|^(n2d|c3d)-/;
    for (const tier of NODE_TIERS) {
      const f = familyFor(tier, "existing");
      assert.match(f.aws, amd);
      assert.match(`${f.gcp}-`, amd);
      assert.equal(f.localNvme, tier === "database" || tier === "media", tier);
      assert.equal(f.networkGbps, ["edge", "homeserver", "database"].includes(tier) ? 25 : 10, tier);
    }
    assert.equal(familyFor("media", "aws").localNvme, false, "media lives in S3 on AWS");
  });

  it("media repository workers run on the media tier, every other Synapse process on the homeserver tier", () => {
    for (const [name, w] of Object.entries(s.synapse.workers)) assert.equal(w.tier, name === "media-repository" ? "media" : "homeserver", name);
    assert.equal(s.synapse.main.tier, "homeserver");
  });
});
