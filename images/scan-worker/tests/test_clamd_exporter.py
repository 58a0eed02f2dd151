"""The clamd exporter's parsing of clamd's replies, and its scrape against a stand-in clamd (a
real clamd is scraped by tests/validators/antivirus.test.ts)."""
from __future__ import annotations

import asyncio
import calendar
import unittest

from aiohttp.test_utils import TestClient, TestServer

from scan_worker.clamd_exporter import make_app, parse_stats, parse_version

# The shapes clamd 1.4 prints (clamd(8) VERSION and STATS; STATS ends with END).
VERSION = "ClamAV 1.4.2/27479/Mon Dec  2 09:37:40 2024"
STATS = (
    "POOLS: 1\n\nSTATE: VALID PRIMARY\nTHREADS: live 3  idle 7 max 12 idle-timeout 30\n"
    "QUEUE: 2 items\n\tSTATS 0.000032 \n\nMEMSTATS: heap N/A mmap N/A used N/A free N/A releasable N/A "
    "pools 1 pools_used 1306.334M pools_total 1306.383M\nEND"
)


class ParseTests(unittest.TestCase):
    def test_version_with_a_daily_database(self):
        v = parse_version(VERSION + "\0")
        self.assertEqual((v.engine, v.database_version), ("1.4.2", 27479))
        self.assertEqual(v.database_timestamp, calendar.timegm((2024, 12, 2, 9, 37, 40, 0, 0, 0)))

    def test_version_without_a_daily_database(self):
        v = parse_version("ClamAV 1.4.2")
        self.assertEqual((v.engine, v.database_version, v.database_timestamp), ("1.4.2", None, None))

    def test_refuses_what_is_not_a_version_reply(self):
        with self.assertRaises(ValueError):
            parse_version("UNKNOWN COMMAND")

    def test_stats(self):
        s = parse_stats(STATS)
        self.assertEqual((s.threads_live, s.threads_idle, s.threads_max, s.queue_items), (3, 7, 12, 2))
        with self.assertRaises(ValueError):
            parse_stats("COMMAND READ TIMED OUT")


class FakeClamd:
    def __init__(self, replies: dict[bytes, str]):
        self.replies = replies

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        command = await reader.readuntil(b"\0")
        writer.write(self.replies[command].encode() + b"\0")
        await writer.drain()
        writer.close()


class ScrapeTests(unittest.IsolatedAsyncioTestCase):
    async def scrape(self, port: int) -> str:
        client = TestClient(TestServer(make_app("127.0.0.1", port, 2)))
        await client.start_server()
        self.addAsyncCleanup(client.close)
        r = await client.get("/metrics")
        self.assertEqual(r.status, 200)
        return await r.text()

    async def test_a_clamd_that_answers(self):
        server = await asyncio.start_server(FakeClamd({b"zVERSION\0": VERSION, b"zSTATS\0": STATS}).handle, "127.0.0.1", 0)
        self.addAsyncCleanup(server.wait_closed)
        self.addCleanup(server.close)
        text = await self.scrape(server.sockets[0].getsockname()[1])
        for line in ("clamd_up 1.0", "clamd_signatures_version 27479.0", "clamd_threads_live 3.0", "clamd_queue_length 2.0", 'clamd_build_info{engine="1.4.2"} 1.0'):
            self.assertIn(line, text.splitlines())
        self.assertIn("clamd_signatures_timestamp_seconds 1.73313226e+09", text)

    async def test_a_clamd_that_is_gone(self):
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        text = await self.scrape(port)
        self.assertIn("clamd_up 0.0", text.splitlines())
        self.assertNotIn("clamd_signatures", text)


if __name__ == "__main__":
    unittest.main()
