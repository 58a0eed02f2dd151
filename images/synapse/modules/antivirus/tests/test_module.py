"""The module against a stand-in scan worker (Twisted web, on loopback) with Synapse's own
ReadableFileWrapper and module loader (the installed matrix-synapse ships no test helpers, so the
ModuleApi is a recording fake: the module only calls register_spam_checker_callbacks on it).
Run with Synapse's venv: python -m twisted.trial tests (from this directory)."""
from __future__ import annotations

import json
import os
import tempfile

from prometheus_client import REGISTRY
from twisted.internet import defer, reactor
from twisted.trial import unittest
from twisted.web import resource, server

from synapse.api.errors import SynapseError
from synapse.config._base import ConfigError, format_config_error
from synapse.media._base import FileInfo
from synapse.media.media_storage import ReadableFileWrapper
from synapse.util.clock import Clock
from synapse.util.module_loader import load_module

from matrix_platform_antivirus import AntivirusScanner

TOKEN = "k" * 40


class FakeScanWorker(resource.Resource):
    isLeaf = True

    def __init__(self, answer=None, stall=False):
        super().__init__()
        self.bodies: list[bytes] = []
        self.auth: list[bytes | None] = []
        self.answer = answer
        self.stall = stall

    def render_POST(self, request):
        body = request.content.read()
        self.bodies.append(body)
        self.auth.append(request.getHeader("authorization"))
        if self.stall:
            return server.NOT_DONE_YET
        status, reply = self.answer(body) if self.answer else (200, {"result": "infected", "signature": "Test.Sig"} if b"EVIL" in body else {"result": "clean"})
        request.setResponseCode(status)
        request.setHeader("content-type", "application/json")
        return json.dumps(reply).encode()


class FakeApi:
    def __init__(self):
        self.callbacks = {}

    def register_spam_checker_callbacks(self, **kw):
        self.callbacks.update(kw)


def metric(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


class ModuleTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.token_path = os.path.join(self.dir, "token")
        with open(self.token_path, "w") as f:
            f.write(TOKEN + "\n")

    def serve(self, worker) -> str:
        port = reactor.listenTCP(0, server.Site(worker), interface="127.0.0.1")
        self.addCleanup(port.stopListening)
        return f"http://127.0.0.1:{port.getHost().port}/scan"

    def module(self, url, **over):
        config = AntivirusScanner.parse_config({"scan_url": url, "token_path": self.token_path, **over})
        api = FakeApi()
        scanner = AntivirusScanner(config, api, reactor=reactor)
        self.addCleanup(scanner._agent._pool.closeCachedConnections)
        return api.callbacks["check_media_file_for_spam"]

    def file(self, content: bytes) -> ReadableFileWrapper:
        path = os.path.join(self.dir, "media")
        with open(path, "wb") as f:
            f.write(content)
        return ReadableFileWrapper(Clock(reactor, server_name="test"), path)

    def check(self, callback, content, info=None):
        return defer.ensureDeferred(callback(self.file(content), info or FileInfo(server_name=None, file_id="abc")))

    @defer.inlineCallbacks
    def test_clean_file_is_streamed_with_the_token_and_allowed(self):
        worker = FakeScanWorker()
        callback = self.module(self.serve(worker))
        content = os.urandom(300_000)
        before = metric("synapse_antivirus_scans_total", result="clean")
        result = yield self.check(callback, content)
        self.assertEqual(result, "NOT_SPAM")
        self.assertEqual(worker.bodies, [content])
        self.assertEqual(worker.auth, [f"Bearer {TOKEN}"])
        self.assertEqual(metric("synapse_antivirus_scans_total", result="clean"), before + 1)

    @defer.inlineCallbacks
    def test_infected_file_is_refused_with_a_403_naming_the_signature(self):
        callback = self.module(self.serve(FakeScanWorker()))
        before = metric("synapse_antivirus_scans_total", result="infected")
        with self.assertRaises(SynapseError) as caught:
            yield self.check(callback, b"an EVIL file")
        self.assertEqual(caught.exception.code, 403)
        self.assertEqual(caught.exception.errcode, "M_FORBIDDEN")
        self.assertIn("Test.Sig", caught.exception.msg)
        self.assertEqual(metric("synapse_antivirus_scans_total", result="infected"), before + 1)

    @defer.inlineCallbacks
    def test_remote_media_goes_through_the_same_check(self):
        worker = FakeScanWorker()
        callback = self.module(self.serve(worker))
        with self.assertRaises(SynapseError):
            yield self.check(callback, b"EVIL from afar", FileInfo(server_name="remote.example", file_id="xyz"))
        self.assertEqual(worker.bodies, [b"EVIL from afar"])

    @defer.inlineCallbacks
    def test_unreachable_scanner_fails_closed_by_default(self):
        worker = FakeScanWorker()
        url = self.serve(worker)
        port = reactor.listenTCP(0, server.Site(worker), interface="127.0.0.1")
        dead = f"http://127.0.0.1:{port.getHost().port}/scan"
        yield port.stopListening()
        callback = self.module(dead)
        before = metric("synapse_antivirus_scanner_unavailable_total", action="refused")
        with self.assertRaises(SynapseError) as caught:
            yield self.check(callback, b"anything")
        self.assertEqual(caught.exception.code, 503)
        self.assertIn("scanner is unavailable", caught.exception.msg)
        self.assertEqual(metric("synapse_antivirus_scanner_unavailable_total", action="refused"), before + 1)
        del url

    @defer.inlineCallbacks
    def test_fail_open_stores_unscanned_and_counts_it(self):
        callback = self.module("http://127.0.0.1:1/scan", fail_open=True)
        before = metric("synapse_antivirus_scanner_unavailable_total", action="allowed")
        result = yield self.check(callback, b"anything")
        self.assertEqual(result, "NOT_SPAM")
        self.assertEqual(metric("synapse_antivirus_scanner_unavailable_total", action="allowed"), before + 1)

    @defer.inlineCallbacks
    def test_scan_worker_error_answer_is_unavailable_not_clean(self):
        callback = self.module(self.serve(FakeScanWorker(answer=lambda body: (503, {"result": "error", "reason": "clamd_unavailable"}))))
        with self.assertRaises(SynapseError) as caught:
            yield self.check(callback, b"x")
        self.assertEqual(caught.exception.code, 503)

    @defer.inlineCallbacks
    def test_silent_scanner_times_out_and_fails_closed(self):
        callback = self.module(self.serve(FakeScanWorker(stall=True)), timeout_seconds=1)
        with self.assertRaises(SynapseError) as caught:
            yield self.check(callback, b"x")
        self.assertEqual(caught.exception.code, 503)


class ConfigTests(unittest.TestCase):
    def setUp(self):
        fd, self.token_path = tempfile.mkstemp()
        os.write(fd, TOKEN.encode())
        os.close(fd)

    def load(self, **config):
        return load_module({"module": "matrix_platform_antivirus.AntivirusScanner", "config": config}, ("modules", "<item 0>"))

    def test_synapse_loads_the_module_with_defaults(self):
        cls, parsed = self.load(scan_url="http://scan-worker.antivirus.svc:8080/scan", token_path=self.token_path)
        self.assertIs(cls, AntivirusScanner)
        self.assertEqual((parsed.fail_open, parsed.timeout_seconds), (False, 60.0))

    def test_bad_options_are_refused_by_name(self):
        good = {"scan_url": "http://x:8080/scan", "token_path": self.token_path}
        for over, text in (
            ({"scan_url": "ftp://x/scan"}, "scan_url = 'ftp://x/scan' is not an http(s) URL"),
            ({"token_path": "/nonexistent/token"}, "token_path = '/nonexistent/token' cannot be read"),
            ({"fail_open": "no"}, "fail_open = 'no' is not a boolean"),
            ({"timeout_seconds": 0}, "timeout_seconds = 0 is not a number of seconds"),
            ({"scan_urls": "x"}, "unknown option(s) scan_urls"),
        ):
            with self.assertRaises(ConfigError) as caught:
                self.load(**{**good, **over})
            # What Synapse prints at start (and `python -m synapse.config`): path and the module's reason.
            self.assertIn(text, "".join(format_config_error(caught.exception)))
