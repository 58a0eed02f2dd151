/**
 * Plays the bridges (the appservices the rendered config registers) on loopback: accepts the
 * transactions Synapse pushes, checks the hs_token, and notes which local process sent each one
 * — from the kernel's socket table, since the sender's TCP port belongs to exactly one process.
 * That is how the e2e checks that `notify_appservices_from_worker` really moved the pushes off main.
 */
import * as fs from "fs";
import * as http from "http";
import { LOOPBACK } from "./adapter";

export interface AppserviceTransaction {
  appservice: string;
  txnId: string;
  events: { type: string; state_key?: string; content?: Record<string, unknown>; room_id?: string }[];
  /** PID of the process that opened the connection, when it could be found. */
  senderPid?: number;
}

/** Inode of the IPv4 TCP socket whose local port is `localPort` and remote port `remotePort`. */
export function socketInode(localPort: number, remotePort: number, table = fs.readFileSync("/proc/net/tcp", "utf8")): string | undefined {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, "0");
  for (const line of table.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    if (f[1].endsWith(`:${hex(localPort)}`) && f[2].endsWith(`:${hex(remotePort)}`)) return f[9];
  }
  return undefined;
}

/** The PID among `candidates` holding the socket with this inode. */
export function pidHoldingSocket(inode: string, candidates: number[]): number | undefined {
  const target = `socket:[${inode}]`;
  for (const pid of candidates) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return pid;
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return undefined;
}

export class AppserviceSink {
  readonly transactions: AppserviceTransaction[] = [];
  readonly rejected: string[] = [];
  private server?: http.Server;

  constructor(
    private readonly port: number,
    /** hs_token -> appservice id */
    private readonly tokens: Map<string, string>,
    /** PIDs that may be senders (the Synapse processes). */
    private readonly candidatePids: () => number[],
  ) {}

  start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res));
    // Keep-alive sockets would outlive the run: close them with the response.
    this.server.keepAliveTimeout = 1000;
    return new Promise((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.port, LOOPBACK, () => resolve());
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    // Identify the sender while the connection is open.
    const inode = socketInode(req.socket.remotePort ?? 0, this.port);
    const senderPid = inode ? pidHoldingSocket(inode, this.candidatePids()) : undefined;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const auth = req.headers.authorization ?? "";
      const token = auth.startsWith("Bearer ") ? auth.slice(7) : new URL(req.url ?? "/", "http://x").searchParams.get("access_token") ?? "";
      const id = this.tokens.get(token);
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (!id) {
        this.rejected.push(`${req.method} ${req.url}`);
        return reply(403, { errcode: "M_FORBIDDEN" });
      }
      const m = /^\/_matrix\/app\/v1\/transactions\/([^/?]+)/.exec(req.url ?? "");
      if (req.method === "PUT" && m) {
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
        this.transactions.push({ appservice: id, txnId: decodeURIComponent(m[1]), events: body.events ?? [], senderPid });
        return reply(200, {});
      }
      // User and room-alias queries, pings: a bridge that knows no extra users or rooms.
      return reply(404, { errcode: "M_NOT_FOUND" });
    });
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}
