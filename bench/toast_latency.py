"""Toast latency: an alert's commit -> its toast visible on a guard's live wall in Chromium.

Run from the repository root (project venv active; PostgreSQL and Redis running):

    python bench/toast_latency.py [--alerts 50] [--spacing 0.2] [--sqlite]

1. A throwaway database, a real daphne, one camera with a person-in-zone rule (no worker: the
   alerts come from this process), and a guard assigned to its site, logged in (session cookie).
2. Headless Chromium (the system one, ``/usr/bin/chromium``; nothing is downloaded) opens the
   live wall as the guard. A MutationObserver, installed before the page's scripts run, records
   for each toast added to ``#toasts`` its alert id and ``performance.timeOrigin +
   performance.now()`` (the machine's clock, in ms since the epoch).
3. This process raises ``--alerts`` alerts with ``analytics.services.alert_raise`` (crafted
   rule hits, distinct dedupe keys, a small JPEG snapshot), ``--spacing`` seconds apart. Each
   alert's commit time is ``time.time()`` in an on-commit callback registered before the
   alert's own push, so it runs first, right after the commit.
4. Latency per alert = toast time - commit time (same machine clock). Prints p50 / p95 / max.

Redis db 13 (flushed before and after) and a throwaway PostgreSQL database, as the other
benchmarks. Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import time

from _harness import BenchStack, machine_description, percentile

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOAST_RECORDER = """
(() => {
  window.__veilToasts = [];
  new MutationObserver((mutations) => {
    const at = performance.timeOrigin + performance.now();
    for (const mutation of mutations) {
      for (const node of mutation.addedNodes) {
        if (node instanceof HTMLElement && node.classList.contains("toast") && node.dataset.alertId) {
          window.__veilToasts.push({ alertId: Number(node.dataset.alertId), at });
        }
      }
    }
  }).observe(document, { childList: true, subtree: true });
})();
"""


def small_snapshot() -> bytes:
    import cv2
    import numpy as np

    image = np.full((90, 160, 3), 96, np.uint8)
    cv2.rectangle(image, (60, 20), (100, 80), (60, 70, 150), -1)
    return cv2.imencode(".jpg", image)[1].tobytes()


def raise_alerts(camera_id: int, rule_id: int, count: int, spacing: float, page) -> dict:
    """Raise ``count`` alerts; returns {alert id: commit time (s since the epoch)}."""
    from django.db import transaction

    from analytics.models import Rule
    from analytics.rules import RuleHit
    from analytics.services import alert_raise

    snapshot = small_snapshot()
    committed: dict[str, float] = {}
    ids: dict[str, int] = {}
    token = str(time.time_ns())
    for number in range(count):
        key = f"toast-bench-{token}-{number}"
        with transaction.atomic():
            # First on-commit callback of the transaction: runs before the alert's push.
            transaction.on_commit(lambda key=key: committed.__setitem__(key, time.time()))
            alert = alert_raise(
                camera_id=camera_id,
                hit=RuleHit(
                    rule_id=rule_id,
                    kind=Rule.Kind.PERSON_IN_ZONE,
                    confidence=0.9,
                    captured_at=time.time(),
                    message=f"Bench alert {number + 1}",
                    boxes=((0.35, 0.2, 0.65, 0.95, 0.9, "person"),),
                    dedupe_key=key,
                ),
                snapshot_jpeg=snapshot,
            )
        ids[key] = alert.pk
        page.wait_for_timeout(spacing * 1000)  # keeps Playwright's connection serviced
    return {ids[key]: at for key, at in committed.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alerts", type=int, default=50)
    parser.add_argument("--spacing", type=float, default=0.2, help="seconds between alerts")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()

    with BenchStack(
        database="sqlite" if args.sqlite else "postgres", keep_logs=args.keep_logs
    ) as stack:
        stack.setup_django()
        from analytics.models import Rule

        # A camera nobody analyses (no worker): every alert here comes from this process.
        camera_id = stack.create_cameras(
            ["rtsp://127.0.0.1:9/not-analysed"], rule_kind=Rule.Kind.PERSON_IN_ZONE
        )[0]
        rule_id = Rule.objects.get(camera_id=camera_id).pk
        cookie = stack.guard_session_cookie()
        stack.start_daphne()

        from playwright.sync_api import sync_playwright

        # Playwright's sync API runs its loop in this thread; the ORM calls here are ours.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            context = browser.new_context(base_url=stack.origin)
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": stack.origin}])
            context.add_init_script(TOAST_RECORDER)
            page = context.new_page()
            page.goto("/analytics/wall/")
            page.wait_for_selector('#connection-state[data-state="live"]', timeout=30_000)
            print(f"machine: {machine_description()}")
            print(f"wall open as a guard; raising {args.alerts} alerts {args.spacing:g} s apart")

            commits = raise_alerts(camera_id, rule_id, args.alerts, args.spacing, page)
            deadline = time.monotonic() + 30
            toasts: dict[int, float] = {}
            while time.monotonic() < deadline:
                toasts = {t["alertId"]: t["at"] for t in page.evaluate("window.__veilToasts")}
                if all(alert_id in toasts for alert_id in commits):
                    break
                page.wait_for_timeout(200)
            browser.close()

    latencies = [
        (toasts[alert_id] / 1000 - committed) * 1000
        for alert_id, committed in commits.items()
        if alert_id in toasts
    ]
    missing = len(commits) - len(latencies)
    print(
        f"toasts seen: {len(latencies)} of {len(commits)}"
        + (f" ({missing} missing)" if missing else "")
    )
    if latencies:
        print(
            "commit -> toast visible (ms): "
            f"p50 {percentile(latencies, 50):.1f}  p95 {percentile(latencies, 95):.1f}  "
            f"max {max(latencies):.1f}  min {min(latencies):.1f}"
        )


if __name__ == "__main__":
    main()
