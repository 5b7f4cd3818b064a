// A websocket that comes back by itself: reconnects with capped exponential backoff and jitter.
// Close codes 4401 (logged out) and 4404 (camera not visible) are final: retrying cannot help.

export const FINAL_CLOSE_CODES = new Set([4401, 4403, 4404]);

// 4401 on an open socket: the session ended (the account was deactivated, or logged out).
// Nothing on the page works any more; the log-in page brings the user back here afterwards.
export function toLogIn() {
  const next = window.location.pathname + window.location.search;
  window.location.assign(`/accounts/login/?next=${encodeURIComponent(next)}`);
}

export function wsUrl(path) {
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${window.location.host}${path}`;
}

export class Backoff {
  constructor({ first = 1000, max = 15000 } = {}) {
    this.first = first;
    this.max = max;
    this.attempt = 0;
  }
  next() {
    const base = Math.min(this.max, this.first * 2 ** this.attempt);
    this.attempt += 1;
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }
  reset() {
    this.attempt = 0;
  }
}

export class ReconnectingSocket {
  // handlers: onopen(), onmessage(event), ondown(code), onfinal(code)
  constructor(path, handlers, { binaryType = "blob", backoff = {} } = {}) {
    this.path = path;
    this.handlers = handlers;
    this.binaryType = binaryType;
    this.backoff = new Backoff(backoff);
    this.socket = null;
    this.timer = null;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  open() {
    clearTimeout(this.timer);
    this.timer = null;
    const socket = new WebSocket(wsUrl(this.path));
    socket.binaryType = this.binaryType;
    this.socket = socket;
    socket.onopen = () => {
      if (socket === this.socket) this.handlers.onopen?.();
    };
    socket.onmessage = (event) => {
      if (socket === this.socket) this.handlers.onmessage?.(event);
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (FINAL_CLOSE_CODES.has(event.code)) {
        this.stopped = true;
        this.handlers.onfinal?.(event.code);
        if (event.code === 4401) toLogIn();
        return;
      }
      this.handlers.ondown?.(event.code);
      this.timer = setTimeout(() => this.open(), this.backoff.next());
    };
  }

  // Drop the connection now and try again (after a stall); the backoff keeps growing
  // until a message arrives and the owner calls markHealthy().
  restart() {
    if (this.stopped) return;
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
    this.handlers.ondown?.(0);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.open(), this.backoff.next());
  }

  markHealthy() {
    this.backoff.reset();
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
  }
}
