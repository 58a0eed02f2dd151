"""`python -m scan_worker`: checks the settings, then serves the scan and metrics ports."""
from __future__ import annotations

import asyncio
import logging
import sys

from aiohttp import web

from .app import make_app, make_metrics_app
from .config import ConfigError, load


async def serve() -> None:
    settings = load()
    runners = []
    for app, port in ((make_app(settings), settings.listen_port), (make_metrics_app(), settings.metrics_port)):
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, settings.listen_host, port).start()
        runners.append(runner)
    logging.getLogger("scan_worker").info(
        "listening on %s:%d (metrics %d), clamd at %s:%d, limit %d bytes, timeout %g s",
        settings.listen_host, settings.listen_port, settings.metrics_port,
        settings.clamd_host, settings.clamd_port, settings.max_bytes, settings.timeout_seconds,
    )
    try:
        await asyncio.Event().wait()
    finally:
        for runner in runners:
            await runner.cleanup()


def main() -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        asyncio.run(serve())
    except ConfigError as e:
        print(f"scan-worker: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
