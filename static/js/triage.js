// The alert pages (list and detail), on the alert socket (one reconnecting socket library:
// console/socket.js, shared with the wall):
// * detail: keep the status badge honest while the page is open — an "alert.updated" about
//   this alert (someone else decided) updates #alert-status and shows #alert-updated-notice so
//   the guard reloads before acting; a clip encoded after the alert replaces #alert-no-clip
//   with the player;
// * list: rows follow decisions made elsewhere; ticking alerts for "Acknowledge selected";
// * both: escalations sent to this user (supervisors) show a toast and move the header count;
//   relative time hints stay fresh.

import { STATUS_LABELS } from "./console/alerts.js";
import { EscalationInbox } from "./console/escalations.js";
import { Toasts } from "./console/notify.js";
import { ReconnectingSocket } from "./console/socket.js";
import { keepRelativeTimesFresh } from "./console/times.js";

const script = document.getElementById("triage-script");
const page = script?.dataset.page || "detail";
const alertId = Number(script?.dataset.alertId) || null;
const cameraId = Number(script?.dataset.cameraId) || null;
let shownStatus = script?.dataset.status;

function setBadge(badge, status) {
  badge.className = `badge alert-status alert-status-${status}`;
  badge.dataset.status = status;
  badge.textContent = STATUS_LABELS[status] || status;
}

function showDetailStatus(alert) {
  const badge = document.getElementById("alert-status");
  if (!badge || alert.status === shownStatus) return;
  shownStatus = alert.status;
  setBadge(badge, alert.status);
  const notice = document.getElementById("alert-updated-notice");
  if (notice) notice.hidden = false;
}

// The clip is encoded after the alert: swap the placeholder for the player when it arrives.
function showClip(alert) {
  const placeholder = document.getElementById("alert-no-clip");
  if (!alert.clip_url || !placeholder || document.getElementById("alert-clip")) return;
  const head = document.createElement("h3");
  head.className = "clip-head";
  head.textContent = "Clip";
  const video = document.createElement("video");
  video.id = "alert-clip";
  video.className = "alert-clip";
  video.controls = true;
  video.preload = "none";
  video.src = alert.clip_url;
  video.textContent = "Your browser cannot play this clip.";
  placeholder.replaceWith(head, video);
}

// Each box's label sits at the box's top-left corner (fractions of the picture, in data-x and
// data-y): placed here, as the page carries no inline style (Content-Security-Policy).
for (const label of document.querySelectorAll(".box-label[data-x]")) {
  label.style.left = `${Number(label.dataset.x) * 100}%`;
  label.style.top = `${Number(label.dataset.y) * 100}%`;
}

// --- List: rows follow decisions; bulk selection -----------------------------------------

const bulkForm = document.getElementById("bulk-acknowledge-form");
const selectAll = document.getElementById("bulk-select-all");
const bulkSubmit = document.getElementById("bulk-acknowledge-submit");
const bulkCount = document.getElementById("bulk-count");

function boxes() {
  return bulkForm ? [...bulkForm.querySelectorAll("input.bulk-select")] : [];
}

function renderSelection() {
  if (!bulkSubmit) return;
  const all = boxes();
  const ticked = all.filter((box) => box.checked).length;
  bulkSubmit.disabled = ticked === 0;
  bulkCount.textContent = ticked ? `(${ticked})` : "";
  if (selectAll) {
    selectAll.checked = ticked > 0 && ticked === all.length;
    selectAll.indeterminate = ticked > 0 && ticked < all.length;
    selectAll.disabled = all.length === 0;
  }
}

function showRowStatus(alert) {
  const row = document.querySelector(`.alert-row[data-alert-id="${alert.id}"]`);
  if (!row) return;
  const badge = row.querySelector(".alert-status");
  if (badge) setBadge(badge, alert.status);
  if (alert.status !== "open") row.querySelector("input.bulk-select")?.remove();
  renderSelection();
}

if (page === "list" && bulkForm) {
  for (const hidden of bulkForm.querySelectorAll(".js-only")) hidden.hidden = false;
  selectAll?.addEventListener("change", () => {
    for (const box of boxes()) box.checked = selectAll.checked;
    renderSelection();
  });
  bulkForm.addEventListener("change", (event) => {
    if (event.target.classList?.contains("bulk-select")) renderSelection();
  });
  renderSelection();
}

// --- The socket ----------------------------------------------------------------------------

const inbox = new EscalationInbox({ toasts: new Toasts(document.getElementById("toasts")) });

function receive(data) {
  let message;
  try {
    message = JSON.parse(data);
  } catch {
    return;
  }
  socket.markHealthy();
  if (message.type === "hello") {
    // The server has joined this socket to the user's group: escalations reach it now.
    window.veilTriage.connected = true;
  } else if (message.type === "alert.updated") {
    inbox.updated(message.alert);
    if (page === "detail" && message.alert?.id === alertId) {
      showDetailStatus(message.alert);
      showClip(message.alert);
    }
    if (page === "list") showRowStatus(message.alert);
  } else if (message.type === "alert.escalated") {
    inbox.escalated(message.alert);
  }
}

const socket = new ReconnectingSocket(
  "/ws/alerts/",
  {
    // The detail page needs one camera's updates; the list (and escalations, which come to
    // this user's own group) need no narrowing.
    onopen: () => {
      if (page === "detail" && cameraId) socket.send({ type: "subscribe", cameras: [cameraId] });
    },
    onmessage: (event) => receive(event.data),
    ondown: () => {
      window.veilTriage.connected = false;
    },
  },
  { backoff: { first: 1000, max: 30000 } },
);

// For browser tests: the page's parts.
window.veilTriage = { socket, inbox, connected: false };

keepRelativeTimesFresh();
if ("WebSocket" in window) socket.start();
