/**
 * LI's media copy on the clouds, under the mock engine (the providers cannot run here): on AWS an
 * S3 replication rule from main's media bucket into LI's that carries no delete markers (S3 never
 * replicates version deletions), both buckets versioned, a role scoped to the two buckets; on GCP
 * an hourly Storage Transfer job that never deletes in LI's bucket, never deletes from main's and
 * never overwrites. Without LI neither exists. The MinIO path is run for real in
 * tests/validators/li-media-replication.test.ts.
 */
import { strict as assert } from "assert";
import { unwrapSecrets } from "../../stacks/mock-engine";
import { ofType, runStack } from "../helpers/run-stack";

type Obj = Record<string, any>;
const LI = { li: "true", liInvestigatorCidrs: "203.0.113.0/24" };

describe("LI media replication on AWS and GCP", function () {
  this.timeout(600_000);

  it("AWS: main's media bucket replicates into LI's, without delete markers, both versioned", async () => {
    const run = await runStack("staging-aws-1k", LI);
    const bucket = (slug: string) => ofType(run, "aws:s3/bucket:Bucket").find((b) => b.name === `platform-${slug}`)!;
    const media = bucket("media");
    const li = bucket("li-media");
    assert.ok(media && li);
    // The mock engine's ARN of a bucket made from a prefix (stacks/mock-outputs.ts).
    const liArn = `arn:aws:s3:::${li.inputs.bucketPrefix}20261122000000000001`;
    const cfgs = ofType(run, "aws:s3/bucketReplicationConfig:BucketReplicationConfig");
    const mediaCfg = cfgs.find((c) => c.name === "platform-media");
    assert.ok(mediaCfg, "a replication configuration on main's media bucket");
    const rule = (mediaCfg.inputs.rules as Obj[]).find((r) => r.id === "to-li-media")!;
    assert.ok(rule);
    assert.equal(rule.status, "Enabled");
    assert.deepEqual(rule.deleteMarkerReplication, { status: "Disabled" });
    assert.equal(rule.destination.bucket, liArn, "into LI's bucket");
    for (const b of ["platform-media", "platform-li-media"]) {
      const v = ofType(run, "aws:s3/bucketVersioning:BucketVersioning").find((x) => x.name === b)!;
      assert.equal((v.inputs.versioningConfiguration as Obj).status, "Enabled", `${b} versioned`);
    }
    assert.ok(mediaCfg.dependsOn?.includes("aws:s3/bucketVersioning:BucketVersioning::platform-li-media"), "written after LI's bucket is versioned");
    const policy = ofType(run, "aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "platform-li-media-replication")!;
    const doc = JSON.parse(unwrapSecrets(policy.inputs.policy) as string);
    const actions = doc.Statement.flatMap((s: Obj) => s.Action);
    assert.ok(actions.includes("s3:ReplicateObject"));
    assert.ok(!actions.some((a: string) => /Delete/.test(a)), "the role cannot delete anything");
    assert.deepEqual(doc.Statement.find((s: Obj) => s.Action.includes("s3:ReplicateObject")).Resource, `${liArn}/*`);
  });

  it("GCP: an hourly Storage Transfer job main -> LI that deletes nothing and overwrites nothing", async () => {
    const run = await runStack("staging-gcp-1k", LI);
    const jobs = ofType(run, "gcp:storage/transferJob:TransferJob");
    assert.equal(jobs.length, 1);
    const spec = jobs[0].inputs.transferSpec as Obj;
    const bucketName = (slug: string) => ofType(run, "gcp:storage/bucket:Bucket").find((b) => b.name === `platform-${slug}`)!.inputs.name;
    assert.equal(spec.gcsDataSource.bucketName, bucketName("media"));
    assert.equal(spec.gcsDataSink.bucketName, bucketName("li-media"));
    assert.deepEqual(spec.transferOptions, { deleteObjectsUniqueInSink: false, deleteObjectsFromSourceAfterTransfer: false, overwriteWhen: "NEVER" });
    assert.equal((jobs[0].inputs.schedule as Obj).repeatInterval, "3600s");
    const roles = ofType(run, "gcp:storage/bucketIAMMember:BucketIAMMember").filter((m) => /storage-transfer-service/.test(String(m.inputs.member)));
    assert.ok(roles.every((r) => !/objectAdmin|admin$/i.test(String(r.inputs.role))), "the transfer agent can neither delete nor overwrite");
    assert.ok(roles.some((r) => r.inputs.role === "roles/storage.objectCreator" && r.inputs.bucket === bucketName("li-media")));
  });

  it("without LI: no LI bucket, no replication rule to it, no transfer job", async () => {
    const aws = await runStack("staging-aws-1k");
    assert.ok(!ofType(aws, "aws:s3/bucket:Bucket").some((b) => b.name === "platform-li-media"));
    assert.ok(!ofType(aws, "aws:s3/bucketReplicationConfig:BucketReplicationConfig").some((c) => (c.inputs.rules as Obj[]).some((r) => r.id === "to-li-media")));
    const gcp = await runStack("staging-gcp-1k");
    assert.equal(ofType(gcp, "gcp:storage/transferJob:TransferJob").length, 0);
  });
});
