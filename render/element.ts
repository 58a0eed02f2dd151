/**
 * Element Web and Ketesa (synapse-admin) `config.json`, and Element's nginx config.
 */
import { escapeRegex } from "./synapse/appservice";
import { renderStaticSiteNginx, STATIC_SITE_PORT } from "./wellknown";

export interface ElementInput {
  serverName: string;
  homeserverUrl: string;
  /** Where Element itself is served (permalinks point there). */
  elementUrl: string;
  brand?: string;
  /** Element Call through MatrixRTC (LiveKit), when calls are deployed. */
  rtc: boolean;
}

export function renderElementConfig(e: ElementInput): Record<string, unknown> {
  return {
    default_server_config: { "m.homeserver": { base_url: e.homeserverUrl, server_name: e.serverName } },
    default_server_name: e.serverName,
    disable_custom_urls: true,
    disable_guests: true,
    disable_3pid_login: true,
    brand: e.brand ?? "Element",
    default_theme: "light",
    room_directory: { servers: [e.serverName] },
    default_federate: true,
    show_labs_settings: false,
    // Integrations (Scalar) are a third-party service; off for a self-contained deployment.
    integrations_ui_url: null,
    integrations_rest_url: null,
    integrations_widgets_urls: null,
    bug_report_endpoint_url: null,
    permalink_prefix: e.elementUrl,
    setting_defaults: { "UIFeature.registration": false, "UIFeature.passwordReset": false, "UIFeature.voip": e.rtc },
    ...(e.rtc ? { features: { feature_group_calls: true, feature_video_rooms: true, feature_element_call_video_rooms: true }, element_call: { use_exclusively: true } } : {}),
  };
}

export interface KetesaInput {
  homeserverUrl: string;
  serverName: string;
  /** Appservice user prefixes (bridges) whose accounts Ketesa protects from accidental edits. */
  managedUserPrefixes: string[];
}

export function renderKetesaConfig(k: KetesaInput): Record<string, unknown> {
  const server = escapeRegex(k.serverName);
  return {
    restrictBaseUrl: [k.homeserverUrl],
    asManagedUsers: k.managedUserPrefixes.map((p) => `^@${escapeRegex(p)}[a-zA-Z0-9._=-]*:${server}$`),
  };
}

/** nginx.conf for Element Web (image files under /app, config.json mounted next to them). */
export function renderElementNginx(root = "/app", opts: { port?: number; tmpDir?: string } = {}): string {
  return renderStaticSiteNginx({
    port: opts.port ?? STATIC_SITE_PORT,
    tmpDir: opts.tmpDir,
    root,
    locations: [
      { match: "= /index.html", cacheControl: "no-cache" },
      { match: "= /version", cacheControl: "no-cache" },
      { match: "/config", cacheControl: "no-cache" },
      { match: "/", spaFallback: false },
    ],
  });
}
