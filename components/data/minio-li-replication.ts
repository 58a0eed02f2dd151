/**
 * Main's media replicated into LI's bucket on the same MinIO tenant, never its deletes (pure: the
 * lines the bucket-settings Job's configure.sh runs when LI is deployed). MinIO's bucket
 * replication copies every new object version, and with `--replicate existing-objects` alone the
 * rule carries neither delete markers nor version deletes: media main deletes (or purges) stays
 * readable in LI's bucket. Both buckets are versioned by the lines before these (a replication
 * rule requires it). The remote target is the tenant's own Service with the root credentials the
 * Job already reads from config.env; MinIO stores them in its bucket-target config, not here.
 * Every run removes the rules it finds and adds the one rule, so re-runs converge.
 */
export function minioLiReplicationLines(source: string, target: string): string[] {
  const list = `mc replicate ls "local/${source}" --json 2>/dev/null || true`;
  return [
    `# LI: ${source} -> ${target}, new and existing objects, never delete markers or deletes.`,
    `rules="$(${list})"`,
    `total="$(printf '%s\\n' "$rules" | grep -c '"rule"' || true)"`,
    `kept="$(printf '%s\\n' "$rules" | grep -c '"DeleteMarkerReplication":{"Status":"Disabled"},"DeleteReplication":{"Status":"Disabled"},"Destination":{"Bucket":"arn:[^"]*:${target}"}' || true)"`,
    `if [ "$total" != 1 ] || [ "$kept" != 1 ]; then`,
    `  if [ "$total" != 0 ]; then mc replicate rm --all --force "local/${source}"; fi`,
    `  remote="\${ENDPOINT%%://*}://$MINIO_ROOT_USER:$MINIO_ROOT_PASSWORD@\${ENDPOINT#*://}/${target}"`,
    `  mc replicate add "local/${source}" --remote-bucket "$remote" --replicate "existing-objects" --priority 1`,
    // A new rule copies what the bucket already holds now, not at the scanner's next pass.
    `  arn="$(${list.replace(" || true", "")} | sed -n 's/.*"Bucket":"\\(arn:[^"]*\\)".*/\\1/p' | head -n 1)"`,
    `  mc replicate resync start "local/${source}" --remote-bucket "$arn"`,
    "fi",
  ];
}
