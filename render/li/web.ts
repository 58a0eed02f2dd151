/**
 * element-web-li's and synapse-admin-li's config.json. Element LI is main's Element config
 * pointed at synapse-li, with a brand and a dark custom theme of its own, so an investigator can
 * never mistake the LI client for the production one; it never federates and offers no calls.
 * Ketesa LI may talk to synapse-li's admin host only.
 */
import { renderElementConfig, renderKetesaConfig } from "../element";

/** What the LI client calls itself (window title, login page, notifications). */
export const LI_BRAND = "Lawful Intercept";

/**
 * Element's custom theme (setting_defaults.custom_themes; selected by `default_theme:
 * "custom-<name>"`): dark, with a red accent and sidebar, unlike main's light default theme.
 */
export const LI_THEME = {
  name: "LI Investigation",
  is_dark: true,
  colors: {
    "accent-color": "#d7263d",
    "primary-color": "#d7263d",
    "warning-color": "#f4a261",
    "sidebar-color": "#3b0a12",
    "roomlist-background-color": "#2a0a10",
    "roomlist-text-color": "#f5e6e8",
    "roomlist-text-secondary-color": "#d9b8bd",
    "roomlist-highlights-color": "#5c1220",
    "roomlist-separator-color": "#7a1c2b",
    "timeline-background-color": "#1b1416",
    "timeline-text-color": "#f5e6e8",
    "timeline-text-secondary-color": "#c9a9ae",
    "timeline-highlights-color": "#3b0a12",
    "reaction-row-button-selected-bg-color": "#5c1220",
  },
} as const;

export interface LiElementInput {
  serverName: string;
  /** synapse-li's public URL (https://matrix.li.<domain>). */
  homeserverUrl: string;
  /** Where element-web-li is served (permalinks). */
  elementUrl: string;
}

export function renderLiElementConfig(e: LiElementInput): Record<string, unknown> {
  const main = renderElementConfig({ ...e, brand: LI_BRAND, rtc: false });
  return {
    ...main,
    default_theme: `custom-${LI_THEME.name}`,
    // The LI server federates with nobody: rooms made here stay local.
    default_federate: false,
    setting_defaults: { ...(main.setting_defaults as Record<string, unknown>), custom_themes: [LI_THEME] },
  };
}

export interface LiKetesaInput {
  /** synapse-li's admin host (https://admin.li.<domain>): the one base URL Ketesa LI accepts. */
  adminUrl: string;
  serverName: string;
}

export function renderLiKetesaConfig(k: LiKetesaInput): Record<string, unknown> {
  // No bridges run against synapse-li: no appservice users to protect.
  return renderKetesaConfig({ homeserverUrl: k.adminUrl, serverName: k.serverName, managedUserPrefixes: [] });
}
