/** Loopback port allocation: every port is asked of the kernel and checked free before use. */
import * as net from "net";

/** Resolves true when nothing listens on 127.0.0.1:port and we could bind it. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen({ host: "127.0.0.1", port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * Hands out distinct free loopback ports. Ports come from a band below the kernel's ephemeral
 * range (32768+ on Linux), so outgoing connections of the 20-odd processes cannot grab a port
 * between our check and the owner's bind.
 */
export class PortAllocator {
  private next: number;
  private readonly taken = new Set<number>();
  constructor(start = 20000 + Math.floor(Math.random() * 10000), private readonly end = 32000) {
    this.next = start;
  }

  async take(): Promise<number> {
    for (let tries = 0; tries < 2000; tries++) {
      if (this.next >= this.end) this.next = 20000;
      const port = this.next++;
      if (this.taken.has(port)) continue;
      if (await portFree(port)) {
        this.taken.add(port);
        return port;
      }
    }
    throw new Error("no free loopback port found");
  }
}
