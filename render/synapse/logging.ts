/**
 * Python logging config (dictConfig YAML) every Synapse process reads: one line per record on
 * stdout, where the cluster's log shipper picks it up.
 */
import type { YamlObject } from "./homeserver";

export function renderLogConfig(level: "DEBUG" | "INFO" | "WARNING" = "INFO"): YamlObject {
  return {
    version: 1,
    formatters: {
      precise: { format: "%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s" },
    },
    handlers: {
      console: { class: "logging.StreamHandler", formatter: "precise", stream: "ext://sys.stdout" },
    },
    loggers: {
      synapse: { level },
      // Every SQL statement at INFO would drown everything else.
      "synapse.storage.SQL": { level: "WARNING" },
      twisted: { level: "WARNING" },
    },
    root: { level, handlers: ["console"] },
    disable_existing_loggers: false,
  };
}
