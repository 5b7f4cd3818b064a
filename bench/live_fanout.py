"""Live-feed fan-out: CPU cost of 1 viewer against 50 viewers of one camera's anonymised feed.

Run from the repository root (project venv active; PostgreSQL and Redis running):

    python bench/live_fanout.py [--viewers 50] [--mjpeg 0] [--window 20] [--sqlite]

One demo RTSP camera is analysed by a real worker (``manage.py analytics_worker``), which
encodes each anonymised frame once and publishes it to Redis; a real daphne fans it out to
websocket viewers on ``/ws/live/<id>/`` (and, with ``--mjpeg N``, to N HTTP clients of
``/analytics/live/<id>/feed.mjpg``). The viewers are asyncio clients in a separate
process, so their own CPU is not counted. For 1 viewer and then for ``--viewers``, after a
warm-up, the CPU seconds (user + system, all threads) of the worker and of daphne are read
over a fixed window, with the frames each viewer received.

Uses a throwaway PostgreSQL database (created and dropped) or SQLite (``--sqlite``), and Redis
db 13 (flushed before and after). Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time

# ---- the viewers' process ---------------------------------------------------------------------


async def _websocket_viewer(url, origin, cookie, counts, index, opening) -> None:
    import websockets

    async with opening:  # a few handshakes at a time, as viewers arrive in a real room
        socket = await websockets.connect(
            url,
            origin=origin,
            additional_headers={"Cookie": f"sessionid={cookie}"},
            max_size=None,
            open_timeout=60,
        )
    async with socket:
        async for message in socket:
            if isinstance(message, bytes):
                counts[index] += 1


async def _mjpeg_viewer(host, port, path, cookie, counts, index) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nCookie: sessionid={cookie}\r\n\r\n".encode()
    )
    await writer.drain()
    buffer = b""
    while chunk := await reader.read(65536):
        buffer += chunk
        # Count part headers; keep a tail in case a boundary straddles two reads.
        counts[index] += buffer.count(b"--frame\r\n")
        buffer = buffer[-16:] if b"--frame\r\n" not in buffer[-16:] else b""


async def _viewers(args) -> None:
    counts = [0] * (args.websocket + args.mjpeg)
    opening = asyncio.Semaphore(4)
    tasks = [
        asyncio.create_task(
            _websocket_viewer(args.url, args.origin, args.cookie, counts, i, opening)
        )
        for i in range(args.websocket)
    ]
    host, port = args.origin.removeprefix("http://").split(":")
    tasks += [
        asyncio.create_task(
            _mjpeg_viewer(host, int(port), args.mjpeg_path, args.cookie, counts, args.websocket + i)
        )
        for i in range(args.mjpeg)
    ]
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    # Ready once every viewer has had a frame.
    while not all(counts) and not any(t.done() for t in tasks):
        await asyncio.sleep(0.1)
    failed = [t.exception() for t in tasks if t.done() and t.exception()]
    print(json.dumps({"ready": not failed, "error": repr(failed[0]) if failed else ""}), flush=True)
    baseline = list(counts)
    while line := (await stdin.readline()).strip():
        if line == b"start":
            baseline = list(counts)
        elif line == b"stop":
            print(
                json.dumps({"frames": [c - b for c, b in zip(counts, baseline, strict=True)]}),
                flush=True,
            )
            break
    for task in tasks:
        task.cancel()


def viewers_main(argv) -> None:
    parser = argparse.ArgumentParser()
    for name in ("--url", "--origin", "--cookie", "--mjpeg-path"):
        parser.add_argument(name, required=True)
    parser.add_argument("--websocket", type=int, default=1)
    parser.add_argument("--mjpeg", type=int, default=0)
    asyncio.run(_viewers(parser.parse_args(argv)))


# ---- the benchmark ----------------------------------------------------------------------------


def measure(stack, camera_id, cookie, pids, *, websocket, mjpeg, warmup, window) -> dict:
    from _harness import cpu_seconds

    viewers = subprocess.Popen(
        [
            sys.executable, __file__, "--viewers-process",
            "--url", stack.ws_url(f"/ws/live/{camera_id}/"), "--origin", stack.origin,
            "--cookie", cookie, "--mjpeg-path", f"/analytics/live/{camera_id}/feed.mjpg",
            "--websocket", str(websocket), "--mjpeg", str(mjpeg),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        ready = json.loads(viewers.stdout.readline() or '{"ready": false, "error": "exited"}')
        if not ready["ready"]:
            raise RuntimeError(f"viewers could not connect: {ready['error']}")
        time.sleep(warmup)
        viewers.stdin.write("start\n")
        viewers.stdin.flush()
        before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.monotonic()
        time.sleep(window)
        cpu = {name: cpu_seconds(pid) - before[name] for name, pid in pids.items()}
        elapsed = time.monotonic() - started
        viewers.stdin.write("stop\n")
        viewers.stdin.flush()
        frames = json.loads(viewers.stdout.readline())["frames"]
    finally:
        if viewers.poll() is None:
            viewers.stdin.close()
            try:
                viewers.wait(timeout=10)
            except subprocess.TimeoutExpired:
                viewers.kill()
                viewers.wait()
    return {"cpu": cpu, "seconds": elapsed, "frames": frames}


def main() -> None:
    if sys.argv[1:2] == ["--viewers-process"]:
        viewers_main(sys.argv[2:])
        return
    from _harness import BenchStack, machine_description

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=50, help="websocket viewers, many case")
    parser.add_argument("--mjpeg", type=int, default=0, help="MJPEG HTTP viewers, many case")
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()

    database = "sqlite" if args.sqlite else "postgres"
    with BenchStack(database=database, keep_logs=args.keep_logs) as stack:
        stack.setup_django()
        rtsp = stack.start_rtsp({"lobby": "lobby"})
        (camera_id,) = stack.create_cameras(rtsp.urls, fps=args.fps)
        cookie = stack.guard_session_cookie()
        daphne = stack.start_daphne()
        worker = stack.start_worker()
        stack.wait_for_live_frames([camera_id])
        pids = {"worker": worker.pid, "daphne": daphne.pid}
        cases = {
            "1 viewer": measure(
                stack, camera_id, cookie, pids,
                websocket=1, mjpeg=0, warmup=args.warmup, window=args.window,
            ),
            f"{args.viewers + args.mjpeg} viewers": measure(
                stack, camera_id, cookie, pids,
                websocket=args.viewers, mjpeg=args.mjpeg, warmup=args.warmup, window=args.window,
            ),
        }  # fmt: skip

    print()
    print(f"machine: {machine_description()}")
    print(
        f"setup: one RTSP camera (640x360) analysed at {args.fps:g} fps; {args.viewers} websocket"
        + (f" + {args.mjpeg} MJPEG" if args.mjpeg else "")
        + f"; CPU over {args.window:.0f} s after {args.warmup:.0f} s warm-up; database {database}"
    )
    totals, per_frame = {}, {}
    for name, case in cases.items():
        cpu, seconds, frames = case["cpu"], case["seconds"], case["frames"]
        totals[name] = sum(cpu.values())
        # Every viewer gets every published frame unless it is slow, so the best viewer's count
        # is the frames the worker published: CPU per frame is fair when the worker's rate
        # varies between the two windows (a busy machine).
        per_frame[name] = totals[name] / max(max(frames), 1)
        print(
            f"{name:>11}: worker {cpu['worker']:6.2f} CPU-s, daphne {cpu['daphne']:5.2f} CPU-s, "
            f"total {totals[name]:6.2f} CPU-s over {seconds:.1f} s; frames per viewer "
            f"min {min(frames) / seconds:.2f}/s, mean {sum(frames) / len(frames) / seconds:.2f}/s"
        )
    one, many = totals.values()
    one_frame, many_frame = per_frame.values()
    daphne_one, daphne_many = (case["cpu"]["daphne"] for case in cases.values())
    print(
        f"ratio {list(cases)[1]} / 1 viewer: total {many / one:.2f}x (target < 2x); per "
        f"published frame {many_frame / one_frame:.2f}x "
        f"({one_frame * 1000:.0f} -> {many_frame * 1000:.0f} ms of CPU per frame); "
        f"daphne alone {daphne_many / max(daphne_one, 1e-9):.1f}x "
        f"(+{(daphne_many - daphne_one) / args.window * 1000 / max(args.viewers + args.mjpeg - 1, 1):.1f}"
        f" ms of CPU per second per extra viewer)"
    )


if __name__ == "__main__":
    main()
