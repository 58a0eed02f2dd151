/**
 * Reads HAProxy's HTTP log (`option httplog` format, written to stdout) to learn which backend
 * and server answered each request. The client tags every request with a unique `e2e_req`
 * query parameter, which HAProxy logs as part of the request line, so a log line is matched to
 * its request without any change to the rendered HAProxy config.
 */
import * as fs from "fs";

export interface HaproxyLogEntry {
  frontend: string;
  backend: string;
  server: string;
  status: number;
  method: string;
  uri: string;
  raw: string;
}

// ... frontend~ backend/server Tq/Tw/Tc/Tr/Ta status bytes ... "METHOD URI HTTP/x"
const HTTPLOG = /\s(\S+?)~?\s(\S+)\/(\S+)\s-?\d+\/-?\d+\/-?\d+\/-?\d+\/\+?-?\d+\s(-?\d+)\s.*"(\S+)\s(\S+)(?:\s\S+)?"\s*$/;

export function parseHaproxyLine(line: string): HaproxyLogEntry | undefined {
  const m = HTTPLOG.exec(line.trimEnd());
  if (!m) return undefined;
  return { frontend: m[1], backend: m[2], server: m[3], status: Number(m[4]), method: m[5], uri: m[6], raw: line };
}

export const REQ_TAG = "e2e_req";

/** The tag of a logged request, if the request carried one. */
export function tagOf(uri: string): string | undefined {
  const q = uri.indexOf("?");
  if (q < 0) return undefined;
  return new URLSearchParams(uri.slice(q + 1)).get(REQ_TAG) ?? undefined;
}

/** Incrementally tails HAProxy's log file and indexes entries by request tag. */
export class HaproxyLog {
  private offset = 0;
  private partial = "";
  readonly byTag = new Map<string, HaproxyLogEntry>();
  readonly entries: HaproxyLogEntry[] = [];

  constructor(private readonly file: string) {}

  poll(): void {
    if (!fs.existsSync(this.file)) return;
    const size = fs.statSync(this.file).size;
    if (size <= this.offset) return;
    const fd = fs.openSync(this.file, "r");
    const buf = Buffer.alloc(size - this.offset);
    fs.readSync(fd, buf, 0, buf.length, this.offset);
    fs.closeSync(fd);
    this.offset = size;
    const text = this.partial + buf.toString("utf8");
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      const e = parseHaproxyLine(line);
      if (!e) continue;
      this.entries.push(e);
      const tag = tagOf(e.uri);
      if (tag) this.byTag.set(tag, e);
    }
  }

  /** Waits (bounded) for the log line of a tagged request: HAProxy logs when the response ends. */
  async waitFor(tag: string, timeoutMs = 5000): Promise<HaproxyLogEntry> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      this.poll();
      const e = this.byTag.get(tag);
      if (e) return e;
      if (Date.now() > deadline) throw new Error(`no HAProxy log line for request ${tag} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
