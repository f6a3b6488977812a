"""Raw HTTP the clients won't send: a chunked body (no Content-Length) streamed to a server."""

import socket
from urllib.parse import urlparse


def post_chunked(base_url: str, path: str, *, headers: dict[str, str], first: bytes, piece: bytes, count: int) -> bytes:
    """POST ``first`` then ``count`` times ``piece`` with chunked transfer encoding; return
    what the server answered (it may stop listening early: that is what these tests want)."""
    url = urlparse(base_url)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    reply = b""
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\n{head}Transfer-Encoding: chunked\r\n\r\n".encode())
        try:
            for chunk in [first] * bool(first) + [piece] * count:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped listening
        try:
            while data := sock.recv(65536):
                reply += data
        except (ConnectionResetError, TimeoutError):
            pass
    return reply
