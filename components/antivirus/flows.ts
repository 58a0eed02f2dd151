/**
 * The antivirus system's network flows (pure): Synapse's media-storing pods (main and the media
 * workers) reach the scan workers, only the scan workers reach clamd, and only the clamd pods,
 * whose freshclam container is the one that dials out, reach the signature mirror (NetworkPolicies
 * select pods, not containers: clamd itself opens no connection).
 */
import { INTERNET, type External, type FlowSpec, type Workload } from "../k8s/network";
import { ANTIVIRUS_PORTS } from "../../render/antivirus";
import { clamdWorkload, scanWorkerWorkload } from "./names";

/** Where freshclam downloads from: the configured mirror's ranges, or the internet. */
export function mirrorPeer(mirror: { url: string; cidrs?: string[] }): { to: External; ports: number[] } {
  const url = new URL(mirror.url);
  const port = url.port !== "" ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  const to: External = mirror.cidrs
    ? { kind: "cidr", name: "signature-mirror", cidrs: mirror.cidrs }
    : { ...INTERNET, name: "signature-mirror" };
  // ClamAV's CDN answers on 443 and redirects plain HTTP to it; a private mirror on its own port.
  const ports = url.hostname === "database.clamav.net" && !mirror.cidrs ? [443, 80] : [port];
  return { to, ports };
}

export function antivirusFlows(args: { namespace: string; mediaPods: readonly Workload[]; mirror: { url: string; cidrs?: string[] } }): FlowSpec[] {
  const scanners = scanWorkerWorkload(args.namespace);
  const clamd = clamdWorkload(args.namespace);
  const mirror = mirrorPeer(args.mirror);
  return [
    ...args.mediaPods.map((pods) => ({ from: pods, to: scanners, ports: [ANTIVIRUS_PORTS.scanHttp], description: `${pods.name ?? "Synapse"} -> scan workers (media scan)` })),
    { from: scanners, to: clamd, ports: [ANTIVIRUS_PORTS.clamd], description: "scan workers -> clamd (INSTREAM)" },
    { from: clamd, to: mirror.to, ports: mirror.ports, description: "freshclam (in the clamd pods) -> the signature mirror" },
  ];
}
