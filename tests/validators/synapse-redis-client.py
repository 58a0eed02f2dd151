"""Connects to Redis the way Synapse does, from a homeserver.yaml `redis:` section.

Synapse's own pieces: RedisConfig parses the section (use_tls, ca_file, password_path, ...),
synapse.replication.tcp.context.ClientContextFactory builds the TLS context from it, and
txredisapi (Synapse's Redis client) speaks the protocol over reactor.connectSSL, as
synapse.replication.tcp.redis.lazyConnection does. The socket goes to argv[2] (loopback) instead
of the section's cluster host name. Prints "ok <role>" (the server's INFO replication role) or
"refused <error>".
"""
import json
import sys

import txredisapi
from twisted.internet import defer, reactor

from synapse.config.redis import RedisConfig
from synapse.replication.tcp.context import ClientContextFactory

section = json.loads(sys.argv[1])
address = sys.argv[2]
config = RedisConfig(None)
config.read_config({"redis": section}, allow_secrets_in_config=False)
result = []


@defer.inlineCallbacks
def main():
    factory = txredisapi.RedisFactory(
        None, dbid=None, poolsize=1, isLazy=False, handler=txredisapi.ConnectionHandler,
        password=config.redis_password, replyTimeout=5,
    )
    factory.continueTrying = False
    if config.redis_use_tls:
        reactor.connectSSL(address, config.redis_port, factory, ClientContextFactory(config), timeout=5)
    else:
        reactor.connectTCP(address, config.redis_port, factory, timeout=5)
    try:
        conn = yield factory.deferred
        info = yield conn.execute_command("INFO", "replication")
        role = [line for line in info.splitlines() if line.startswith("role:")]
        result.append("ok " + (role[0][5:] if role else "?"))
    except Exception as e:  # noqa: BLE001 - any failure is the answer
        result.append("refused " + repr(e))
    if reactor.running:
        reactor.stop()


reactor.callWhenRunning(main)
reactor.callLater(15, lambda: (result.append("refused timeout"), reactor.stop()))
reactor.run()
print(result[0])
