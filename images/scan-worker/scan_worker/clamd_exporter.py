"""`python -m scan_worker.clamd_exporter`: Prometheus metrics of the clamd beside it.

clamd has no metrics endpoint. This sidecar asks its pod's clamd, on every scrape, for VERSION
(`ClamAV <engine>/<daily database version>/<daily database build time>`, clamd(8)) and STATS
(thread pool and queue), and serves what they say. A clamd that does not answer is
`clamd_up 0` with no other series, so the absence of the database series never hides it.

Settings from the environment: CLAMD_HOST (default 127.0.0.1), CLAMD_PORT (3310),
EXPORTER_PORT (9906), EXPORTER_HOST (0.0.0.0), CLAMD_TIMEOUT_SECONDS (5).
"""
from __future__ import annotations

import asyncio
import calendar
import logging
import os
import re
import sys
import time
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

log = logging.getLogger("clamd_exporter")


@dataclass(frozen=True)
class ClamdVersion:
    engine: str
    #: The daily database's version, absent when clamd runs without one (custom signatures only).
    database_version: int | None = None
    #: The daily database's build time (Unix seconds, UTC).
    database_timestamp: float | None = None


def parse_version(reply: str) -> ClamdVersion:
    """`ClamAV 1.4.2/27479/Mon Dec  2 09:37:40 2024` (or `ClamAV 1.4.2` without a daily database)."""
    text = reply.rstrip("\0").strip()
    if not text.startswith("ClamAV "):
        raise ValueError(f"not a clamd VERSION reply: {text!r}")
    parts = text[len("ClamAV "):].split("/", 2)
    if len(parts) < 3:
        return ClamdVersion(parts[0])
    built = time.strptime(" ".join(parts[2].split()), "%a %b %d %H:%M:%S %Y")
    return ClamdVersion(parts[0], int(parts[1]), float(calendar.timegm(built)))


@dataclass(frozen=True)
class ClamdStats:
    threads_live: int
    threads_idle: int
    threads_max: int
    queue_items: int


_THREADS = re.compile(r"^THREADS: live (\d+)\s+idle (\d+) max (\d+)", re.M)
_QUEUE = re.compile(r"^QUEUE: (\d+) items", re.M)


def parse_stats(reply: str) -> ClamdStats:
    """The primary pool's line of STATS (`THREADS: live 1  idle 0 max 10 ...`, `QUEUE: 0 items`)."""
    threads, queue = _THREADS.search(reply), _QUEUE.search(reply)
    if not threads or not queue:
        raise ValueError(f"not a clamd STATS reply: {reply[:200]!r}")
    return ClamdStats(int(threads[1]), int(threads[2]), int(threads[3]), int(queue[1]))


async def ask(host: str, port: int, command: str, timeout: float) -> str:
    """One clamd command in its NUL-terminated form; the reply up to clamd's closing NUL."""
    async def exchange() -> str:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(f"z{command}\0".encode())
            await writer.drain()
            try:
                data = await reader.readuntil(b"\0")
            except asyncio.IncompleteReadError as e:
                data = e.partial
            return data.rstrip(b"\0").decode("utf-8", "replace")
        finally:
            writer.close()
    return await asyncio.wait_for(exchange(), timeout)


async def collect(host: str, port: int, timeout: float) -> CollectorRegistry:
    """A fresh registry per scrape: only what clamd answered just now."""
    registry = CollectorRegistry(auto_describe=True)
    up = Gauge("clamd_up", "Whether clamd answered VERSION and STATS on this scrape.", registry=registry)
    try:
        version = parse_version(await ask(host, port, "VERSION", timeout))
        stats = parse_stats(await ask(host, port, "STATS", timeout))
    except (OSError, asyncio.TimeoutError, ValueError) as e:
        log.warning("clamd at %s:%d did not answer: %s", host, port, e)
        up.set(0)
        return registry
    up.set(1)
    Gauge("clamd_build_info", "clamd's engine version.", ["engine"], registry=registry).labels(engine=version.engine).set(1)
    if version.database_version is not None:
        Gauge("clamd_signatures_version", "Version of the daily signature database clamd has loaded.", registry=registry).set(version.database_version)
    if version.database_timestamp is not None:
        Gauge("clamd_signatures_timestamp_seconds", "Build time of the daily signature database clamd has loaded (Unix seconds).", registry=registry).set(version.database_timestamp)
    Gauge("clamd_threads_live", "clamd's busy scanning threads.", registry=registry).set(stats.threads_live)
    Gauge("clamd_threads_idle", "clamd's idle threads.", registry=registry).set(stats.threads_idle)
    Gauge("clamd_threads_max", "clamd's MaxThreads.", registry=registry).set(stats.threads_max)
    Gauge("clamd_queue_length", "Scan requests waiting for a clamd thread.", registry=registry).set(stats.queue_items)
    return registry


def make_app(host: str, port: int, timeout: float) -> web.Application:
    async def serve(_request: web.Request) -> web.Response:
        registry = await collect(host, port, timeout)
        return web.Response(body=generate_latest(registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", serve)
    return app


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    env = os.environ
    try:
        clamd_host = env.get("CLAMD_HOST", "127.0.0.1")
        clamd_port = int(env.get("CLAMD_PORT", "3310"))
        listen_host = env.get("EXPORTER_HOST", "0.0.0.0")
        listen_port = int(env.get("EXPORTER_PORT", "9906"))
        timeout = float(env.get("CLAMD_TIMEOUT_SECONDS", "5"))
    except ValueError as e:
        print(f"clamd-exporter: bad setting: {e}", file=sys.stderr)
        return 2
    log.info("serving clamd %s:%d's metrics on %s:%d", clamd_host, clamd_port, listen_host, listen_port)
    web.run_app(make_app(clamd_host, clamd_port, timeout), host=listen_host, port=listen_port, access_log=None, print=None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
