/**
 * Pod pieces every Synapse deployment shares (main's cluster and synapse-li): the UID and the
 * libpq password file line. (Both run the project's Synapse image, which ships the S3 provider.)
 */

/**
 * Synapse's user. The image's own start script would switch to 991; the command here runs
 * Synapse directly, and any UID can read the image's files, so a high UID keeps clear of host users.
 */
export const SYNAPSE_UID = 10991;

/** pgpass line; `:` and `\` are escaped as libpq requires. */
export function pgpassLine(host: string, port: number, db: string, user: string, password: string): string {
  const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/:/g, "\\:");
  return `${esc(host)}:${port}:${esc(db)}:${esc(user)}:${esc(password)}\n`;
}
