"""An HTTP MJPEG server for the demo and test cameras (standard library only).

``GET /<name>.mjpg`` streams a looped directory of JPEG frames as
``multipart/x-mixed-replace`` at the scene's frame rate, the way IP cameras serve MJPEG;
``GET /<name>.jpg`` answers the current frame. One producer per stream advances the frames and
every client sends the frame it publishes, so many clients cost no more decoding than one.

In-process (tests)::

    server = MjpegServer({"carpark": Path(".../carpark")}, port=0).start()
    server.url("carpark")   # http://127.0.0.1:<port>/carpark.mjpg
    server.stop()

As a process (the demo)::

    python cameras/demo/mjpeg_server.py --port 8090 --stream carpark=DIR [--stream ...]

prints ``READY http://...`` once it listens and exits with status 0 on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

BOUNDARY = "veilframe"


class FrameLoop:
    """Publishes the next JPEG of a loop every 1/fps seconds, for any number of readers."""

    def __init__(self, frames: list[bytes], fps: float) -> None:
        if not frames:
            raise ValueError("a stream needs at least one JPEG frame")
        self._frames = frames
        self._interval = 1.0 / fps
        self._changed = threading.Condition()
        self._sequence = 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mjpeg-producer", daemon=True)

    @classmethod
    def from_directory(cls, directory: Path, fps: float) -> FrameLoop:
        paths = sorted(Path(directory).glob("[0-9][0-9][0-9][0-9][0-9].jpg"))
        if not paths:
            raise FileNotFoundError(f"no frames (00000.jpg …) in {directory}")
        return cls([path.read_bytes() for path in paths], fps)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        with self._changed:
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=2)

    @property
    def current(self) -> tuple[int, bytes]:
        with self._changed:
            return self._sequence, self._frames[self._sequence % len(self._frames)]

    def next_after(self, sequence: int, timeout: float = 5.0) -> tuple[int, bytes] | None:
        """The first frame published after ``sequence``; None once the loop stops."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._sequence != sequence or self._stopped.is_set(), timeout
            )
            if self._stopped.is_set():
                return None
            return self._sequence, self._frames[self._sequence % len(self._frames)]

    def _run(self) -> None:
        # Scheduled against a monotonic deadline so the rate does not drift with load.
        deadline = time.monotonic()
        while not self._stopped.is_set():
            deadline += self._interval
            self._stopped.wait(max(0.0, deadline - time.monotonic()))
            with self._changed:
                self._sequence += 1
                self._changed.notify_all()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"  # a stream ends when the connection closes

    def do_GET(self) -> None:
        name, _, kind = self.path.split("?", 1)[0].lstrip("/").rpartition(".")
        loop = self.server.loops.get(name)
        if loop is None or kind not in {"mjpg", "jpg"}:
            self.send_error(HTTPStatus.NOT_FOUND, "No such stream")
            return
        if kind == "jpg":
            _, frame = loop.current
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(frame)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(frame)
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        sequence, frame = loop.current
        try:
            while True:
                self.wfile.write(
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(frame)}\r\n\r\n".encode()
                    + frame
                    + b"\r\n"
                )
                self.wfile.flush()
                published = loop.next_after(sequence)
                if published is None:
                    return
                sequence, frame = published
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return  # the client went away

    def log_message(self, format: str, *args: object) -> None:
        if self.server.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    loops: dict[str, FrameLoop]
    verbose: bool = False


class MjpegServer:
    """Serves named JPEG-frame directories as MJPEG streams from a background thread."""

    def __init__(
        self,
        streams: dict[str, Path],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fps: float = 10.0,
        verbose: bool = False,
    ) -> None:
        self._loops = {name: FrameLoop.from_directory(d, fps) for name, d in streams.items()}
        self._server = _Server((host, port), _Handler)
        self._server.loops = self._loops
        self._server.verbose = verbose
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="mjpeg-server", daemon=True
        )

    @property
    def host(self) -> str:
        return self._server.server_address[0]

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, name: str) -> str:
        return f"http://{self.host}:{self.port}/{name}.mjpg"

    @property
    def urls(self) -> dict[str, str]:
        return {name: self.url(name) for name in self._loops}

    def start(self) -> MjpegServer:
        for loop in self._loops.values():
            loop.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        for loop in self._loops.values():
            loop.stop()  # ends every client's stream
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MjpegServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve JPEG-frame directories as MJPEG.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--fps", type=float, default=10.0)
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument(
        "--stream", action="append", required=True, metavar="NAME=DIR",
        help="serve the JPEG frames in DIR at http://host:port/NAME.mjpg (repeatable)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    streams = {}
    for spec in args.stream:
        name, _, directory = spec.partition("=")
        if not name or not directory:
            parser.error(f"--stream needs NAME=DIR, not {spec!r}")
        streams[name] = Path(directory)

    server = MjpegServer(
        streams, host=args.host, port=args.port, fps=args.fps, verbose=args.verbose
    )
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    server.start()
    print("READY " + " ".join(server.urls.values()), flush=True)
    stopped.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
