/**
 * The cloud regions a stack may name (pure data). A region outside these lists is refused by the
 * config layer, so a typo such as `us-east-7` never reaches a provider call at `pulumi up` time.
 * Sources: AWS "Regions and Availability Zones" and Google Cloud "Cloud locations" pages; add a
 * region here when the cloud opens it (commercial regions only, plus AWS GovCloud).
 */
import type { PlatformKind } from "../config/keys";

export const AWS_REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2",
  "us-gov-east-1", "us-gov-west-1",
  "ca-central-1", "ca-west-1", "mx-central-1", "sa-east-1",
  "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1",
  "af-south-1", "il-central-1", "me-south-1", "me-central-1",
  "ap-east-1", "ap-east-2", "ap-south-1", "ap-south-2",
  "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
  "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
] as const;

export const GCP_REGIONS = [
  "us-central1", "us-east1", "us-east4", "us-east5", "us-south1", "us-west1", "us-west2", "us-west3", "us-west4",
  "northamerica-northeast1", "northamerica-northeast2", "northamerica-south1",
  "southamerica-east1", "southamerica-west1",
  "europe-central2", "europe-north1", "europe-north2", "europe-southwest1",
  "europe-west1", "europe-west2", "europe-west3", "europe-west4", "europe-west6", "europe-west8", "europe-west9", "europe-west10", "europe-west12",
  "me-central1", "me-central2", "me-west1", "africa-south1",
  "asia-east1", "asia-east2", "asia-northeast1", "asia-northeast2", "asia-northeast3",
  "asia-south1", "asia-south2", "asia-southeast1", "asia-southeast2",
  "australia-southeast1", "australia-southeast2",
] as const;

/** Regions of a cloud platform; the existing platform has none. */
export function regionsOf(platform: PlatformKind): readonly string[] {
  return platform === "aws" ? AWS_REGIONS : platform === "gcp" ? GCP_REGIONS : [];
}
