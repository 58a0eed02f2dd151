/** Names and locations of the GCP platform: pure. */

/** Four hex digits from the stack name: keeps project-wide names (service accounts) unique per stack. */
export function stackTag(stack: string): string {
  let h = 2166136261;
  for (const c of stack) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return (h & 0xffff).toString(16).padStart(4, "0");
}

/** GCS multi-region that holds a region ("us-central1" -> "US"), for dual-region buckets. */
export function multiRegionOf(region: string): string {
  const head = region.split("-")[0];
  if (head === "europe") return "EU";
  if (head === "asia") return "ASIA";
  return "US";
}

/**
 * Where the buckets live: dual-region (primary + secondary, inside their multi-region) when the
 * preset copies data off-region and a secondary region is set; the primary region otherwise.
 */
export function bucketPlacement(region: string, secondaryRegion: string | undefined, crossRegion: boolean): { location: string; dataLocations?: [string, string] } {
  if (crossRegion && secondaryRegion) return { location: multiRegionOf(region), dataLocations: [region.toUpperCase(), secondaryRegion.toUpperCase()] };
  return { location: region.toUpperCase() };
}

/** Taint effect -> the GKE API's spelling. */
export function gkeTaintEffect(effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute"): "NO_SCHEDULE" | "NO_EXECUTE" | "PREFER_NO_SCHEDULE" {
  return effect === "NoSchedule" ? "NO_SCHEDULE" : effect === "NoExecute" ? "NO_EXECUTE" : "PREFER_NO_SCHEDULE";
}
