"""The scan worker against a stand-in clamd that speaks INSTREAM (a real clamd is driven by
tests/antivirus/clamd.test.ts). Run: python -m unittest discover -s tests (from this directory)."""
from __future__ import annotations

import asyncio
import struct
import tempfile
import unittest

from aiohttp.test_utils import TestClient, TestServer

from scan_worker import metrics
from scan_worker.app import make_app, make_metrics_app
from scan_worker.clamd import ClamdError, parse_reply
from scan_worker.config import ConfigError, Settings, load

TOKEN = "t" * 40


class FakeClamd:
    """Reads one INSTREAM session and answers `reply(body)`; counts the bytes it received."""

    def __init__(self, reply=None, stall: bool = False):
        self.reply = reply or (lambda body: b"stream: Test.Signature FOUND\0" if b"EVIL" in body else b"stream: OK\0")
        self.stall = stall
        self.received: list[bytes] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        command = await reader.readuntil(b"\0")
        if command == b"zPING\0":
            writer.write(b"PONG\0")
        else:
            assert command == b"zINSTREAM\0", command
            body = b""
            while True:
                (size,) = struct.unpack(">I", await reader.readexactly(4))
                if size == 0:
                    break
                body += await reader.readexactly(size)
            self.received.append(body)
            if self.stall:
                try:
                    await asyncio.sleep(30)
                except asyncio.CancelledError:
                    writer.close()
                    return
            writer.write(self.reply(body))
        await writer.drain()
        writer.close()

    async def start(self) -> int:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()


def settings(port: int, **over) -> Settings:
    base = dict(token=TOKEN, clamd_host="127.0.0.1", clamd_port=port, max_bytes=1000, timeout_seconds=5,
                listen_host="127.0.0.1", listen_port=0, metrics_port=0, chunk_bytes=100)
    base.update(over)
    return Settings(**base)


class ScanTests(unittest.IsolatedAsyncioTestCase):
    async def client(self, s: Settings) -> TestClient:
        client = TestClient(TestServer(make_app(s)))
        await client.start_server()
        self.addAsyncCleanup(client.close)
        return client

    async def clamd(self, **kw) -> tuple[FakeClamd, int]:
        fake = FakeClamd(**kw)
        port = await fake.start()
        self.addAsyncCleanup(fake.stop)
        return fake, port

    def auth(self) -> dict:
        return {"Authorization": f"Bearer {TOKEN}"}

    async def test_clean_file_streams_every_byte_to_clamd(self):
        fake, port = await self.clamd()
        client = await self.client(settings(port))
        body = bytes(range(256)) * 3
        before = metrics.SCANNED._value.get()
        r = await client.post("/scan", data=body, headers=self.auth())
        self.assertEqual(r.status, 200)
        self.assertEqual(await r.json(), {"result": "clean"})
        self.assertEqual(fake.received, [body])
        self.assertEqual(metrics.SCANNED._value.get(), before + 1)

    async def test_infected_file_names_the_signature_and_counts(self):
        _, port = await self.clamd()
        client = await self.client(settings(port))
        before = metrics.INFECTED._value.get()
        r = await client.post("/scan", data=b"an EVIL file", headers=self.auth())
        self.assertEqual(await r.json(), {"result": "infected", "signature": "Test.Signature"})
        self.assertEqual(metrics.INFECTED._value.get(), before + 1)

    async def test_missing_or_wrong_token_is_refused_before_clamd(self):
        fake, port = await self.clamd()
        client = await self.client(settings(port))
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            r = await client.post("/scan", data=b"x", headers=headers)
            self.assertEqual(r.status, 401)
        self.assertEqual(fake.received, [])

    async def test_declared_oversize_is_refused_without_reading(self):
        fake, port = await self.clamd()
        client = await self.client(settings(port))
        r = await client.post("/scan", data=b"x" * 1001, headers=self.auth())
        self.assertEqual(r.status, 413)
        self.assertEqual(fake.received, [])

    async def test_chunked_oversize_is_refused(self):
        _, port = await self.clamd()
        client = await self.client(settings(port))

        async def chunks():
            for _ in range(20):
                yield b"y" * 100

        r = await client.post("/scan", data=chunks(), headers=self.auth())
        self.assertEqual(r.status, 413)
        self.assertEqual((await r.json())["reason"], "too_large")

    async def test_upload_of_exactly_the_limit_is_scanned(self):
        fake, port = await self.clamd()
        client = await self.client(settings(port))
        r = await client.post("/scan", data=b"z" * 1000, headers=self.auth())
        self.assertEqual(r.status, 200)
        self.assertEqual(len(fake.received[0]), 1000)

    async def test_clamd_down_is_503_and_counted(self):
        fake, port = await self.clamd()
        await fake.stop()
        client = await self.client(settings(port))
        before = metrics.ERRORS.labels(reason="clamd_unavailable")._value.get()
        r = await client.post("/scan", data=b"x", headers=self.auth())
        self.assertEqual(r.status, 503)
        self.assertEqual((await r.json())["reason"], "clamd_unavailable")
        self.assertEqual(metrics.ERRORS.labels(reason="clamd_unavailable")._value.get(), before + 1)
        r = await client.get("/readyz")
        self.assertEqual(r.status, 503)

    async def test_slow_clamd_times_out(self):
        _, port = await self.clamd(stall=True)
        client = await self.client(settings(port, timeout_seconds=1))
        r = await client.post("/scan", data=b"x", headers=self.auth())
        self.assertEqual(r.status, 504)

    async def test_clamd_error_reply_is_502(self):
        _, port = await self.clamd(reply=lambda body: b"INSTREAM size limit exceeded. ERROR\0")
        client = await self.client(settings(port))
        r = await client.post("/scan", data=b"x", headers=self.auth())
        self.assertEqual(r.status, 502)
        self.assertIn("size limit exceeded", (await r.json())["error"])

    async def test_ready_when_clamd_answers_ping(self):
        _, port = await self.clamd()
        client = await self.client(settings(port))
        self.assertEqual((await client.get("/readyz")).status, 200)

    async def test_metrics_port_serves_the_series(self):
        client = TestClient(TestServer(make_metrics_app()))
        await client.start_server()
        self.addAsyncCleanup(client.close)
        text = await (await client.get("/metrics")).text()
        for name in ("scan_worker_scanned_total", "scan_worker_infected_total", "scan_worker_errors_total", "scan_worker_scan_duration_seconds_bucket"):
            self.assertIn(name, text)


class ReplyTests(unittest.TestCase):
    def test_replies(self):
        self.assertFalse(parse_reply(b"stream: OK\0").infected)
        self.assertEqual(parse_reply(b"stream: Eicar-Signature FOUND\0").signature, "Eicar-Signature")
        with self.assertRaises(ClamdError):
            parse_reply(b"INSTREAM size limit exceeded. ERROR\0")


class ConfigTests(unittest.TestCase):
    def env(self, **over):
        f = tempfile.NamedTemporaryFile("w", delete=False)
        f.write("s" * 40)
        f.close()
        env = {"SCAN_WORKER_TOKEN_FILE": f.name, "CLAMD_HOST": "clamd", "SCAN_MAX_BYTES": "1000"}
        env.update(over)
        return env

    def test_defaults(self):
        s = load(self.env())
        self.assertEqual((s.clamd_port, s.listen_port, s.metrics_port, s.max_bytes), (3310, 8080, 9090, 1000))

    def test_bad_values_name_the_variable(self):
        for over, pattern in (
            ({"SCAN_MAX_BYTES": "lots"}, "SCAN_MAX_BYTES = 'lots' is not an integer"),
            ({"SCAN_MAX_BYTES": ""}, "SCAN_MAX_BYTES is not set"),
            ({"CLAMD_PORT": "70000"}, "CLAMD_PORT = 70000 is out of range"),
            ({"SCAN_TIMEOUT_SECONDS": "0"}, "SCAN_TIMEOUT_SECONDS = 0.0 is out of range"),
            ({"CLAMD_HOST": ""}, "CLAMD_HOST is not set"),
            ({"SCAN_WORKER_TOKEN_FILE": "/nonexistent"}, "cannot be read"),
        ):
            with self.assertRaisesRegex(ConfigError, pattern):
                load(self.env(**over))


if __name__ == "__main__":
    unittest.main()
