"""Alert latency: frame captured -> alert JSON received by a guard's websocket.

Run from the repository root (project venv active; PostgreSQL and Redis running):

    python bench/alert_latency.py [--cameras 8] [--fps 5] [--seconds 60] [--sqlite]

1. Serves the demo scenes (a walking person with a real face, a car with a plate) from the
   GStreamer RTSP server, one mount per camera, and registers the cameras, each with a
   person-in-zone rule over the whole frame and a 2 s cool-down, so alerts come often.
2. Starts a real analytics worker (``manage.py analytics_worker``) with
   per-batch timings switched on (``VMS_ANALYTICS_STATS_KEY``), and a real daphne.
3. A guard's logged-in websocket client (session cookie) listens on ``/ws/alerts/``; for each
   alert, latency = receive time - the alert's ``occurred_at`` (the time the worker decoded the
   frame; same machine clock). The alert is matched to the batch that analysed its frame, so
   the time spent in inference can be taken out.

Uses a throwaway PostgreSQL database (created and dropped) or SQLite (``--sqlite``), and Redis
db 13 (flushed before and after). Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import time
from datetime import datetime

from _harness import REDIS_URL, BenchStack, cpu_seconds, machine_description, percentile

SCENES = ("lobby", "carpark")


async def listen(url: str, origin: str, cookie: str, seconds: float) -> list[tuple[float, dict]]:
    import websockets

    received = []
    async with websockets.connect(
        url, origin=origin, additional_headers={"Cookie": f"sessionid={cookie}"}, max_size=None
    ) as socket:
        hello = json.loads(await socket.recv())
        print(f"websocket: subscribed to cameras {hello.get('cameras')}")
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=left)
            except TimeoutError:
                break
            now = time.time()
            message = json.loads(raw)
            if message.get("type") == "alert" and not message.get("replayed"):
                received.append((now, message["alert"]))
    return received


def report(received, batches, camera_ids, started, seconds, args, cpu) -> None:
    by_frame = {}
    for batch in batches:
        for camera_id, captured_at in batch["frames"]:
            by_frame[(camera_id, round(captured_at, 5))] = batch
    end_to_end, beyond, waits, in_batch, after_batch = [], [], [], [], []
    unmatched = 0
    for received_at, alert in received:
        occurred = datetime.fromisoformat(alert["occurred_at"]).timestamp()
        latency = received_at - occurred
        end_to_end.append(latency * 1000)
        batch = by_frame.get((alert["camera"]["id"], round(occurred, 5)))
        if batch is None:
            unmatched += 1
            continue
        beyond.append(latency * 1000 - batch["inference_ms"])
        waits.append((batch["started_at"] - occurred) * 1000)
        in_batch.append(batch["batch_ms"] - batch["inference_ms"])
        after_batch.append((received_at - batch["started_at"]) * 1000 - batch["batch_ms"])
    batches = [b for b in batches if started <= b["started_at"] <= started + seconds]
    inference = [b["inference_ms"] for b in batches]
    sizes = [len(b["frames"]) for b in batches]
    per_camera = collections.Counter(c for b in batches for c, _ in b["frames"])

    def line(name, values):
        return (
            f"{name:<44} p50 {percentile(values, 50):7.0f} ms   p95 {percentile(values, 95):7.0f}"
            f" ms   max {max(values, default=float('nan')):7.0f} ms"
        )

    print()
    print(f"machine: {machine_description()}")
    print(
        f"setup: {len(camera_ids)} RTSP cameras at {args.fps:g} fps requested, person-in-zone "
        f"rule (whole frame, {args.cooldown} s cool-down), {seconds:.0f} s measured, "
        f"database {'SQLite' if args.sqlite else 'PostgreSQL'}, Redis db {REDIS_URL.rsplit('/', 1)[-1]}"
    )
    print(f"alerts received: {len(received)} ({unmatched} not matched to a batch record)")
    print(line("end-to-end (captured -> JSON received)", end_to_end))
    print(line("inference per batch", inference))
    print(line("end-to-end minus its batch's inference", beyond))
    print("  of which:")
    print(line("    frame waiting for the engine (queueing)", waits))
    print(line("    rest of its batch (blur, encode, rules)", in_batch))
    print(line("    after the batch (store alert, push, ws)", after_batch))
    print(f"batches: {len(batches)}, frames per batch mean {sum(sizes) / max(len(sizes), 1):.1f}")
    fps = {c: per_camera.get(c, 0) / seconds for c in camera_ids}
    print(
        f"analysed fps per camera: mean {sum(fps.values()) / len(fps):.2f}, "
        f"min {min(fps.values()):.2f}, max {max(fps.values()):.2f} (requested {args.fps:g})"
    )
    print(
        "CPU use while measuring (% of one core): "
        + ", ".join(f"{name} {value / seconds * 100:.0f}%" for name, value in cpu.items())
    )
    print(
        f"target: p95 of end-to-end minus inference <= 300 ms -> measured "
        f"{percentile(beyond, 95):.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cameras", type=int, default=8)
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--cooldown", type=int, default=2)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()

    with BenchStack(
        database="sqlite" if args.sqlite else "postgres", keep_logs=args.keep_logs
    ) as stack:
        stack.setup_django()
        mounts = {f"cam{i}": SCENES[i % len(SCENES)] for i in range(args.cameras)}
        rtsp = stack.start_rtsp(mounts)
        camera_ids = stack.create_cameras(
            rtsp.urls, fps=args.fps, rule_kind="person_in_zone", cooldown_seconds=args.cooldown
        )
        cookie = stack.guard_session_cookie()
        daphne = stack.start_daphne()
        worker = stack.start_worker(stats=True)
        pids = {"worker": worker.pid, "daphne": daphne.pid, "rtsp server": rtsp.process.pid}
        stack.wait_for_live_frames(camera_ids)
        print(f"worker analysing {len(camera_ids)} cameras; warming up {args.warmup:.0f} s")
        time.sleep(args.warmup)
        stack.clear_batch_stats()
        started = time.time()
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        received = asyncio.run(
            listen(stack.ws_url("/ws/alerts/"), stack.origin, cookie, args.seconds)
        )
        seconds = time.time() - started
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        time.sleep(0.5)  # the last batch's record
        batches = stack.batch_stats()
        report(received, batches, camera_ids, started, seconds, args, cpu)


if __name__ == "__main__":
    main()
