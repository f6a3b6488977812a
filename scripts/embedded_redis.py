"""The embedded Redis-protocol server for `make run` when no REDIS_URL is configured.

It is fakeredis's TCP server: one in-memory process that speaks the Redis protocol, so
the cache, the Celery broker, rate limits and token streams use the same code paths as
on a real Redis. It keeps nothing on disk; production and the tests use real Redis.
"""

import signal
import sys
from urllib.parse import urlsplit

from fakeredis import TcpFakeServer


def main() -> None:
    url = urlsplit(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6390")
    server = TcpFakeServer((url.hostname, url.port), server_type="redis")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"embedded redis listening on {url.hostname}:{url.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
