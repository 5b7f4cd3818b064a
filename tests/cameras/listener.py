"""A real TCP listener standing in for a camera host: it speaks enough HTTP and RTSP to ask for
credentials (401 with a Basic challenge) and records every request head it receives, so a test
can tell exactly what a probe sent to it."""

from __future__ import annotations

import base64
import re
import socket
import threading

_CSEQ = re.compile(rb"(?im)^CSeq:\s*(\d+)")


class CredentialListener:
    """``with CredentialListener("127.0.0.2") as listener: ... listener.requests``"""

    def __init__(self, host: str = "127.0.0.2") -> None:
        self.host = host
        self.requests: list[bytes] = []
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind((host, 0))
        self.port = self._server.getsockname()[1]
        self._lock = threading.Lock()

    def __enter__(self) -> CredentialListener:
        self._server.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.close()

    @property
    def received(self) -> bytes:
        with self._lock:
            return b"\n".join(self.requests)

    def authorization_headers(self) -> list[str]:
        return re.findall(r"(?im)^authorization:\s*(.+?)\s*$", self.received.decode("latin-1"))

    def got_credentials(self, username: str, password: str) -> bool:
        """Whether any request carried these credentials, in a header or in the clear."""
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        text = self.received.decode("latin-1")
        return token in text or password in text or f"{username}:" in text

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(5)
        buffer = b""
        try:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = connection.recv(4096)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                with self._lock:
                    self.requests.append(head)
                if head.split(b"\r\n", 1)[0].endswith(b"RTSP/1.0"):
                    # RTSP keeps the connection: FFmpeg retries on it with credentials.
                    cseq = _CSEQ.search(head)
                    connection.sendall(
                        b"RTSP/1.0 401 Unauthorized\r\nCSeq: "
                        + (cseq.group(1) if cseq else b"0")
                        + b'\r\nWWW-Authenticate: Basic realm="camera"\r\n\r\n'
                    )
                else:
                    connection.sendall(
                        b"HTTP/1.1 401 Unauthorized\r\n"
                        b'WWW-Authenticate: Basic realm="camera"\r\n'
                        b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    return
        except OSError:
            return
        finally:
            connection.close()
