// Live alerts from /ws/alerts/: a reconnecting socket that resumes after the last alert seen,
// the open-alert bookkeeping (exact, by id, so replays and decisions never double count) and
// the panel's list items. Items are built with textContent only: alert text is never HTML.
// Times arrive formatted by the server (occurred_at_display): nothing here formats a time.

import { ReconnectingSocket } from "./socket.js";
import { timestampNodes } from "./times.js";

export const STATUS_LABELS = {
  open: "Open",
  acknowledged: "Acknowledged",
  confirmed: "Confirmed",
  dismissed: "Dismissed",
  escalated: "Escalated",
};

// Which alerts are open, per camera. Seeded from the page, then kept exact from messages.
export class OpenAlerts {
  constructor(seed) {
    this.byCamera = new Map();
    this.cameraOf = new Map();
    for (const [cameraId, ids] of Object.entries(seed || {})) {
      for (const id of ids) this.set(id, Number(cameraId), "open");
    }
  }

  // Returns true when the alert's open/closed state changed.
  set(id, cameraId, status) {
    let ids = this.byCamera.get(cameraId);
    if (!ids) {
      ids = new Set();
      this.byCamera.set(cameraId, ids);
    }
    const wasOpen = ids.has(id);
    if (status === "open") ids.add(id);
    else ids.delete(id);
    this.cameraOf.set(id, cameraId);
    return wasOpen !== (status === "open");
  }

  count(cameraId) {
    return this.byCamera.get(cameraId)?.size || 0;
  }

  get total() {
    let total = 0;
    for (const ids of this.byCamera.values()) total += ids.size;
    return total;
  }
}

export class AlertStream {
  // handlers: alert(alert, {replayed}), updated(alert), escalated(alert), cameraStatus(camera),
  // resumed(count), accessChanged(cameraIds) with the cameras the user may see now,
  // connection(state) with state in connecting | live | reconnecting | signed-out.
  constructor({ lastId, cameraIds, handlers }) {
    this.lastId = Number(lastId) || 0;
    this.cameraIds = cameraIds;
    this.handlers = handlers;
    this.seen = new Set();
    this.socket = new ReconnectingSocket(
      "/ws/alerts/",
      {
        onopen: () => this.opened(),
        onmessage: (event) => this.receive(event.data),
        ondown: () => handlers.connection("reconnecting"),
        onfinal: () => handlers.connection("signed-out"),
      },
      { backoff: { first: 1000, max: 15000 } },
    );
  }

  start() {
    this.handlers.connection("connecting");
    this.socket.start();
  }

  opened() {
    // Narrow to the wall's cameras when a site filter is on, then ask for what was missed
    // since the page was rendered or the socket dropped. The server answers in this order.
    if (this.cameraIds) this.socket.send({ type: "subscribe", cameras: this.cameraIds });
    this.socket.send({ type: "resume", after_id: this.lastId });
  }

  receive(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    switch (message.type) {
      case "hello":
        break;
      case "resumed":
        this.socket.markHealthy();
        this.handlers.connection("live");
        this.handlers.resumed?.(message.count || 0);
        break;
      case "alert": {
        const alert = message.alert;
        this.lastId = Math.max(this.lastId, alert.id);
        if (this.seen.has(alert.id)) {
          this.handlers.updated(alert);
          break;
        }
        this.seen.add(alert.id);
        this.handlers.alert(alert, { replayed: Boolean(message.replayed) });
        break;
      }
      case "alert.updated":
        this.handlers.updated(message.alert);
        break;
      case "alert.escalated":
        this.handlers.escalated?.(message.alert);
        break;
      case "camera.status":
        this.handlers.cameraStatus(message.camera);
        break;
      case "access.changed":
        this.handlers.accessChanged?.(message.cameras || []);
        break;
      default:
        break;
    }
  }
}

function span(className, text) {
  const element = document.createElement("span");
  element.className = className;
  element.textContent = text;
  return element;
}

// A panel item in the same shape the server renders (templates/console/wall.html).
export function alertItem(alert, detailUrlPattern) {
  const item = document.createElement("li");
  item.className = "alert-item is-new";
  item.dataset.alertId = String(alert.id);
  item.dataset.cameraId = String(alert.camera.id);
  item.dataset.status = alert.status;
  const link = document.createElement(detailUrlPattern ? "a" : "div");
  link.className = "alert-link";
  if (detailUrlPattern) link.href = detailUrlPattern.replace("{id}", String(alert.id));
  if (alert.thumbnail_url) {
    const img = document.createElement("img");
    img.className = "alert-thumb";
    img.src = alert.thumbnail_url;
    img.alt = "Anonymised snapshot";
    img.width = 96;
    img.height = 54;
    link.append(img);
  } else {
    const empty = span("alert-thumb no-thumb", "");
    empty.setAttribute("aria-hidden", "true");
    link.append(empty);
  }
  const text = span("alert-text", "");
  text.append(span("alert-title", alert.rule ? alert.rule.name : alert.kind_label));
  const meta = span("alert-meta", "");
  const time = span("alert-time", "");
  time.append(
    ...timestampNodes(
      { iso: alert.occurred_at, text: alert.occurred_at_display, title: alert.occurred_at_title },
      { relative: true },
    ),
  );
  meta.append(
    span("alert-camera", alert.camera.name),
    " · ",
    span("alert-confidence", `${Math.round((alert.confidence || 0) * 100)}%`),
  );
  text.append(meta, time, span("alert-kind muted", alert.kind_label));
  link.append(text, span(`badge alert-status status-${alert.status}`, STATUS_LABELS[alert.status] || alert.status));
  item.append(link);
  return item;
}

export function setItemStatus(item, status) {
  item.dataset.status = status;
  const badge = item.querySelector(".alert-status");
  if (badge) {
    badge.className = `badge alert-status status-${status}`;
    badge.textContent = STATUS_LABELS[status] || status;
  }
}
