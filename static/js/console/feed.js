// One camera's anonymised live feed: binary JPEG frames from /ws/live/<id>/ shown in <img>s.
//
// Each frame becomes a Blob and an object URL; the previous URL is revoked as soon as the
// images point at the new one, so a wall left open all night does not grow. A websocket per
// tile (not an MJPEG request per tile) keeps clear of the browser's ~6 HTTP/1.1 connections
// per host.

import { ReconnectingSocket } from "./socket.js";

const MIN_STALL_MS = 8000;
const DOWN_STATUSES = new Set(["offline", "error"]);

export class LiveFeed {
  // onstate(feed) is called whenever feed.state changes.
  constructor({ cameraId, path, fps, status, onstate }) {
    this.cameraId = cameraId;
    this.status = status || "unknown";
    this.onstate = onstate;
    this.sinks = new Set();
    this.url = null;
    this.frames = 0;
    this.lastFrameAt = 0;
    this.state = "idle";
    // Silence longer than a few frame intervals (at least 8 s) counts as a stall.
    this.stallMs = Math.max(MIN_STALL_MS, (4 * 1000) / Math.max(0.1, Number(fps) || 1));
    this.socket = new ReconnectingSocket(
      path,
      {
        onopen: () => {
          this.openedAt = performance.now();
        },
        onmessage: (event) => this.frame(event.data),
        ondown: () => this.setState("reconnecting"),
        onfinal: (code) => this.setState(code === 4401 ? "signed-out" : "unavailable"),
      },
      { binaryType: "blob", backoff: { first: 1000, max: 20000 } },
    );
    this.watchdog = null;
  }

  get running() {
    return this.watchdog !== null;
  }

  start() {
    if (this.running) return;
    this.startedAt = performance.now();
    this.openedAt = this.startedAt;
    this.setState(this.cameraDown ? "offline" : "connecting");
    this.socket.start();
    this.watchdog = setInterval(() => this.check(), 1000);
  }

  stop() {
    if (!this.running) return;
    clearInterval(this.watchdog);
    this.watchdog = null;
    this.socket.stop();
    this.setState("idle");
  }

  addSink(img) {
    this.sinks.add(img);
    if (this.url) {
      img.src = this.url;
      img.hidden = false;
    }
  }

  removeSink(img) {
    this.sinks.delete(img);
  }

  get cameraDown() {
    return DOWN_STATUSES.has(this.status);
  }

  // The camera's status as the server last reported it (camera.status on /ws/alerts/).
  setCameraStatus(status) {
    this.status = status;
    if (!this.running) return;
    const silent = performance.now() - this.lastFrameAt > this.stallMs;
    if (this.cameraDown && silent && this.state !== "signed-out" && this.state !== "unavailable") {
      this.setState("offline");
    }
  }

  frame(data) {
    if (typeof data === "string") return;
    const url = URL.createObjectURL(new Blob([data], { type: "image/jpeg" }));
    for (const img of this.sinks) {
      img.src = url;
      img.hidden = false;
    }
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = url;
    this.frames += 1;
    this.lastFrameAt = performance.now();
    this.socket.markHealthy();
    this.setState("live");
    this.onstate?.(this, "frame");
  }

  check() {
    const now = performance.now();
    const since = Math.max(this.lastFrameAt, this.openedAt || 0);
    if (now - since < this.stallMs) return;
    if (this.state === "signed-out" || this.state === "unavailable") return;
    if (this.cameraDown) {
      // The server says the camera is down: the socket is fine, frames come when it is back.
      this.setState("offline");
      return;
    }
    if (this.socket.socket) {
      // An open socket with no frames from an online camera may be half-dead: reopen it.
      this.openedAt = now;
      this.socket.restart();
    }
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.onstate?.(this, "state");
  }

  dispose() {
    this.stop();
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    for (const img of this.sinks) {
      img.removeAttribute("src");
      img.hidden = true;
    }
  }
}
