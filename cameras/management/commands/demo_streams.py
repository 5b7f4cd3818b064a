"""``manage.py demo_streams``: serve the demo cameras' live streams until stopped.

Prepares the demo media under ``DATA_DIR/demo`` (once; cached), then serves the lobby scene
over RTSP (GStreamer, in a child run by Debian's Python) and the car-park scene over HTTP MJPEG
(in this process), prints the demo cameras' URLs, and runs in the foreground until SIGTERM or
SIGINT, when it stops its child and exits 0. The loading-bay camera is a file and needs no
server.
"""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cameras.demo import demo_camera_sources, prepare_demo_media
from cameras.demo.mjpeg_server import MjpegServer
from cameras.demo.processes import rtsp_server_process


class Command(BaseCommand):
    help = "Serve the demo cameras (RTSP and HTTP MJPEG) from generated video until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--rtsp-port", type=int, default=8554)
        parser.add_argument("--http-port", type=int, default=8090)
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")

    def handle(self, *args, **options):
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())

        self.stdout.write(f"Preparing demo media in {settings.DATA_DIR / 'demo'} …")
        media = prepare_demo_media(settings.DATA_DIR)
        fps = media.streams["lobby"].fps
        # The RTSP child first: it is forked before this process starts any thread.
        rtsp = rtsp_server_process(
            mounts={"lobby": media.streams["lobby"].frames_dir},
            port=options["rtsp_port"],
            fps=fps,
            host=options["host"],
        )
        try:
            rtsp.start()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        try:
            try:
                mjpeg = MjpegServer(
                    {"carpark": media.streams["carpark"].frames_dir},
                    host=options["host"],
                    port=options["http_port"],
                    fps=fps,
                ).start()
            except OSError as exc:
                raise CommandError(
                    f"Cannot serve MJPEG on port {options['http_port']}: {exc}"
                ) from exc
            try:
                self.stdout.write(self.style.SUCCESS("Demo streams ready:"))
                for source in demo_camera_sources(
                    rtsp_port=options["rtsp_port"],
                    http_port=options["http_port"],
                    data_dir=settings.DATA_DIR,
                ):
                    self.stdout.write(f"  {source.name:<16} {source.url}")
                self.stdout.flush()
                while not stop.wait(1.0):
                    if rtsp.poll() is not None:
                        raise CommandError(f"The RTSP server exited ({rtsp.poll()}).")
            finally:
                mjpeg.stop()
        finally:
            rtsp.stop()
        self.stdout.write("Demo streams stopped.")
