#!/usr/bin/python3
"""An RTSP server for the demo and test cameras, on GStreamer's RTSP server.

Run with Debian's Python, which has the GStreamer bindings (the project's virtualenv does not)::

    /usr/bin/python3 cameras/demo/rtsp_server.py --port 8554 \\
        --mount lobby=/var/veil/demo/lobby [--mount name=dir ...] [--fps 10]

Each mount loops a directory of JPEG frames (``00000.jpg`` …) forever as H.264 over RTP. The
media is shared, so every client of a mount watches one pipeline; when the last client leaves,
the next one starts it again. Prints ``READY rtsp://host:port/name ...`` on stdout once it
listens, and exits with status 0 on SIGTERM or SIGINT.

Standalone on purpose: it imports nothing from Veil.
"""

from __future__ import annotations

import argparse
import glob
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def _pipeline(frames_dir: str, fps: int) -> str:
    count = len(glob.glob(os.path.join(frames_dir, "[0-9][0-9][0-9][0-9][0-9].jpg")))
    if count == 0:
        raise SystemExit(f"rtsp_server: no frames (00000.jpg …) in {frames_dir}")
    location = os.path.join(frames_dir, "%05d.jpg").replace('"', '\\"')
    # The caps' frame rate timestamps the frames and the clock-synced RTSP sink paces them. A
    # key frame (with SPS/PPS) every second lets a client joining a shared stream start decoding
    # within a second.
    return (
        f'( multifilesrc location="{location}" index=0 stop-index={count - 1} loop=true '
        f"caps=image/jpeg,framerate={fps}/1 ! jpegparse ! jpegdec ! videoconvert ! "
        f"video/x-raw,format=I420 ! "
        f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate=1500 ! "
        f"video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--fps", type=int, default=10)
    parser.add_argument(
        "--mount", action="append", required=True, metavar="NAME=DIR",
        help="serve the JPEG frames in DIR at rtsp://host:port/NAME (repeatable)",
    )  # fmt: skip
    args = parser.parse_args(argv)

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(args.host)
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    urls = []
    for spec in args.mount:
        name, _, frames_dir = spec.partition("=")
        if not name or not frames_dir:
            parser.error(f"--mount needs NAME=DIR, not {spec!r}")
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(_pipeline(frames_dir, args.fps))
        factory.set_shared(True)
        mounts.add_factory(f"/{name}", factory)
        urls.append(f"rtsp://{args.host}:{args.port}/{name}")

    if server.attach(None) == 0:
        print(f"rtsp_server: cannot listen on {args.host}:{args.port}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()

    def stop(*_args: object) -> bool:
        loop.quit()
        return GLib.SOURCE_REMOVE

    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, signum, stop, None)
    # Sweep sessions of clients that vanished without TEARDOWN, so their media is released.
    GLib.timeout_add_seconds(2, lambda: server.get_session_pool().cleanup() >= 0)

    print("READY " + " ".join(urls), flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
