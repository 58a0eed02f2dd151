/**
 * What `npm run stack` needs on the machine before the Automation API may start (the Pulumi CLI,
 * its Node.js language host, the provider plugins a stack uses), and the one sentence to print
 * when something is missing or the engine fails for such a reason. Pure apart from the lookups
 * in `ToolLookup`, which tests replace.
 */
import * as fs from "fs";
import * as path from "path";
import type { PlatformKind } from "../config/keys";

/** Something the driver cannot run without; the message says what and how to install it. */
export class MissingToolError extends Error {}

export const INSTALL_CLI = "install it with `curl -fsSL https://get.pulumi.com | sh` (or see https://www.pulumi.com/docs/install/) and make sure `pulumi` is on PATH";

/** Provider plugins by SDK package: the plugin a stack needs is the one its SDK version pins. */
const PROVIDER_SDKS: Record<string, string> = {
  kubernetes: "@pulumi/kubernetes",
  random: "@pulumi/random",
  tls: "@pulumi/tls",
  aws: "@pulumi/aws",
  gcp: "@pulumi/gcp",
};

/** The resource plugins a stack on `platform` loads (every platform renders Kubernetes objects). */
export function providersFor(platform: PlatformKind): string[] {
  const cloud = platform === "aws" ? ["aws"] : platform === "gcp" ? ["gcp"] : [];
  return ["kubernetes", "random", "tls", ...cloud];
}

/** The plugin version the installed SDK asks for (its package.json version). */
export function pluginVersion(provider: string, root: string): string {
  const pkg = path.join(root, "node_modules", PROVIDER_SDKS[provider], "package.json");
  return (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version: string }).version;
}

export interface ToolLookup {
  /** Absolute path of an executable found on PATH, or undefined. */
  which(name: string): string | undefined;
  /** Installed resource plugins as `name@version` (from `pulumi plugin ls --json`). */
  installedPlugins(): string[];
}

/** Looks up an executable the way a shell would: each PATH entry in turn. */
export function whichOnPath(name: string, envPath = process.env.PATH ?? ""): string | undefined {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * Checks the CLI, the language host and the plugins, in that order, and throws a
 * MissingToolError naming the first thing missing and the command that installs it.
 */
export function assertToolsPresent(platforms: PlatformKind[], root: string, tools: ToolLookup): void {
  if (!tools.which("pulumi")) throw new MissingToolError(`The Pulumi CLI was not found: ${INSTALL_CLI}.`);
  if (!tools.which("pulumi-language-nodejs")) {
    throw new MissingToolError(
      "The Pulumi Node.js language host (pulumi-language-nodejs) was not found on PATH: it ships with the Pulumi CLI, so reinstall the CLI (`curl -fsSL https://get.pulumi.com | sh`) or add its folder (usually ~/.pulumi/bin) to PATH.",
    );
  }
  const installed = new Set(tools.installedPlugins());
  const needed = [...new Set(platforms.flatMap(providersFor))];
  // A plugin binary on PATH (pulumi-resource-<name>) is an ambient plugin: the engine uses it for
  // whatever version the SDK asks, with a warning, which is how air-gapped and source-built
  // machines provide plugins.
  const missing = needed
    .map((p) => ({ name: p, version: pluginVersion(p, root) }))
    .filter((p) => !installed.has(`${p.name}@${p.version}`) && !tools.which(`pulumi-resource-${p.name}`));
  if (missing.length) {
    const list = missing.map((p) => `${p.name} v${p.version}`).join(", ");
    const commands = missing.map((p) => `\`pulumi plugin install resource ${p.name} v${p.version}\``).join(", ");
    const plural = missing.length > 1;
    throw new MissingToolError(`The Pulumi provider plugin${plural ? "s" : ""} ${list} ${plural ? "are" : "is"} not installed: run ${commands} (or let \`pulumi install\` fetch them).`);
  }
}

/**
 * One sentence for an engine failure caused by the machine rather than the stack (a CLI, host or
 * plugin that went missing), or undefined when the failure is something else, whose own message
 * is then shown.
 */
export function explainToolFailure(err: unknown): string | undefined {
  const e = err as { code?: string; syscall?: string; path?: string; message?: string; commandResult?: { stderr?: string } } | undefined;
  const text = `${e?.message ?? ""}\n${e?.commandResult?.stderr ?? ""}`;
  if ((e?.code === "ENOENT" && /pulumi/.test(`${e.path ?? ""} ${e.syscall ?? ""}`)) || /spawn pulumi ENOENT/.test(text)) {
    return `The Pulumi CLI was not found: ${INSTALL_CLI}.`;
  }
  if (/pulumi-language-nodejs|could not find (the )?language (plugin|host)|no language plugin/i.test(text)) {
    return "The Pulumi Node.js language host (pulumi-language-nodejs) is missing: reinstall the Pulumi CLI (`curl -fsSL https://get.pulumi.com | sh`), which ships it.";
  }
  const plugin =
    /no resource plugin '?(?:pulumi-resource-)?([a-z0-9-]+)'?[^\n]*/i.exec(text) ?? /could not (?:find|load) plugin (?:for )?'?(?:pulumi-resource-)?([a-z0-9-]+)'?[^\n]*/i.exec(text);
  if (plugin) {
    const at = /v?(\d+\.\d+\.\d+[\w.-]*)/.exec(plugin[0]);
    const version = at ? ` v${at[1]}` : "";
    return `The Pulumi provider plugin ${plugin[1]}${version} is not installed: run \`pulumi plugin install resource ${plugin[1]}${version}\`.`;
  }
  return undefined;
}
