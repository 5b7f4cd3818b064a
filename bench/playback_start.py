"""Time from pressing play to the first decoded frame of recorded video, in Chromium.

Run from the repository root (project venv active; PostgreSQL and Redis running):

    python bench/playback_start.py [--runs 10] [--segments 6]

1. A throwaway database, a real daphne, one camera and a guard assigned to its site, logged in.
2. ``--segments`` segments of 10 s of 720p video (the lobby demo scene at 5 fps, x264 as the
   recorder encodes the anonymised track) are stored through
   ``privacy.services.recording.recording_segment_store``: sealed in the media store.
3. Headless Chromium (the system one; nothing is downloaded) opens the camera's playback page
   ``--runs`` times, each in a fresh page, and presses play at two moments:

   * **cold**: as soon as the button exists (the page still fetching its index and the first
     segment; the player starts when they are in);
   * **warm**: once the player says it is ready (first segment appended).

   Time = ``performance.now()`` at the click → the first ``requestVideoFrameCallback`` (a frame
   decoded and presented). Prints p50 / p95 / max of each. Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime, timedelta

from _harness import BenchStack, machine_description, percentile

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
CLICK_AND_WAIT = """
async () => {
  const video = document.getElementById("playback-video");
  const started = performance.now();
  document.getElementById("playback-play").click();
  await new Promise((done) => video.requestVideoFrameCallback(() => done()));
  return performance.now() - started;
}
"""


def store_segments(camera_id: int, count: int) -> float:
    """Store ``count`` 10-s 720p segments ending now; returns the first one's start."""
    import cv2

    from cameras.demo.scenes import SceneSpec, render_frame
    from privacy.services.recording import recording_segment_store
    from privacy.video import FragmentedH264Encoder

    spec = SceneSpec(variant="lobby", seed=1, plate_text="VE11 DMO")
    frames = [cv2.resize(render_frame(spec, i).image, (1280, 720)) for i in range(50)]
    start = datetime.now(UTC) - timedelta(seconds=10 * count + 60)
    for number in range(count):
        encoder = FragmentedH264Encoder(width=1280, height=720, fps=5, crf=23)
        for frame in frames:
            encoder.write(frame)
        at = start + timedelta(seconds=10 * number)
        recording_segment_store(
            camera_id=camera_id,
            track="anonymised",
            started_at=at,
            ended_at=at + timedelta(seconds=10),
            video=encoder.finish(),
            frames=len(frames),
            fps=5,
            width=1280,
            height=720,
        )
    return start.timestamp()


def summary(label: str, values: list[float]) -> str:
    return (
        f"{label}: p50 {percentile(values, 50):6.0f} ms   p95 {percentile(values, 95):6.0f} ms"
        f"   max {max(values):6.0f} ms   (n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--segments", type=int, default=6)
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()

    with BenchStack(keep_logs=args.keep_logs) as stack:
        stack.setup_django()
        camera_id = stack.create_cameras(["rtsp://127.0.0.1:9/not-analysed"])[0]
        cookie = stack.guard_session_cookie()
        first = store_segments(camera_id, args.segments)
        stack.start_daphne()

        from playwright.sync_api import sync_playwright

        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        cold, warm = [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            context = browser.new_context(base_url=stack.origin)
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": stack.origin}])
            path = f"/analytics/cameras/{camera_id}/recordings/?at={first + 5:.3f}"
            print(f"machine: {machine_description()}")
            print(f"{args.segments} segments of 10 s, 1280x720 at 5 fps; {args.runs} runs each")
            for _ in range(args.runs):
                page = context.new_page()
                page.goto(path, wait_until="domcontentloaded")
                cold.append(page.evaluate(CLICK_AND_WAIT))
                page.close()
                page = context.new_page()
                page.goto(path)
                page.wait_for_selector('#playback[data-state="ready"]', timeout=30_000)
                warm.append(page.evaluate(CLICK_AND_WAIT))
                page.close()
                time.sleep(0.2)
            browser.close()
        print(summary("play pressed as the page opens → first frame", cold))
        print(summary("play pressed once the player is ready → first frame", warm))


if __name__ == "__main__":
    main()
