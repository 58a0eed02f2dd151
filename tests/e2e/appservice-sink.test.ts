/**
 * The stand-in bridge: accepts appservice transactions with the right hs_token only, and names
 * the local process that sent each one from the kernel's socket table.
 */
import { strict as assert } from "assert";
import * as http from "http";
import { AppserviceSink, socketInode } from "../../e2e/appservice-sink";
import { PortAllocator } from "../../e2e/ports";

function put(port: number, path: string, token: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: "127.0.0.1", port, path, method: "PUT", agent: false, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "content-length": Buffer.byteLength(data) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(data);
  });
}

describe("e2e: appservice stand-in", () => {
  it("finds a socket's inode in /proc/net/tcp by local and remote port", () => {
    const table = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 0100007F:9C40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0",
      "   1: 0100007F:D431 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 20 4 30 10 -1",
    ].join("\n");
    assert.equal(socketInode(0xd431, 0x9c40, table), "222");
    assert.equal(socketInode(0x9c40, 0xd431, table), undefined);
  });

  it("records transactions with a valid hs_token, names the sending process, refuses others", async () => {
    const port = await new PortAllocator().take();
    const sink = new AppserviceSink(port, new Map([["hs-secret", "telegram"]]), () => [process.pid]);
    await sink.start();
    try {
      const event = { type: "m.room.member", state_key: "@telegrambot:example.com", content: { membership: "invite" } };
      assert.equal(await put(port, "/_matrix/app/v1/transactions/7", "hs-secret", { events: [event] }), 200);
      assert.equal(await put(port, "/_matrix/app/v1/transactions/8", "wrong", { events: [] }), 403);
      assert.equal(sink.transactions.length, 1);
      const t = sink.transactions[0];
      assert.deepEqual({ appservice: t.appservice, txnId: t.txnId, events: t.events }, { appservice: "telegram", txnId: "7", events: [event] });
      assert.equal(t.senderPid, process.pid, "this process opened the connection");
      assert.deepEqual(sink.rejected, ["PUT /_matrix/app/v1/transactions/8"]);
    } finally {
      await sink.stop();
    }
  });
});
