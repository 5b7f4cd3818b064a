// The live wall: tiles per page (1, 4, 9, 16; remembered per user), paging, one live feed per
// visible tile, the large view, and the live alert panel with toasts, sound and counts.

import { AlertStream, OpenAlerts, alertItem, setItemStatus } from "./alerts.js";
import { EscalationInbox } from "./escalations.js";
import { LiveFeed } from "./feed.js";
import { Toasts, Tone } from "./notify.js";
import { keepRelativeTimesFresh } from "./times.js";

document.documentElement.classList.add("js");

const config = JSON.parse(document.getElementById("wall-config").textContent);
const wall = document.getElementById("wall");
const grid = document.getElementById("wall-grid");
const tiles = grid ? [...grid.querySelectorAll(".tile")] : [];
const panelList = document.getElementById("alert-items");
const panelEmpty = document.getElementById("alert-empty");
const connectionState = document.getElementById("connection-state");
const layoutKey = `veil.wall.layout.${config.username}`;
const soundKey = `veil.wall.sound.${config.username}`;
const baseTitle = "Live wall · Veil";

const STATUS_LABELS = { online: "Online", offline: "Offline", error: "Error", unknown: "Not yet probed" };
const OVERLAY_TEXT = {
  idle: "",
  connecting: "Connecting…",
  reconnecting: "Reconnecting…",
  "signed-out": "Signed out: reload the page",
  unavailable: "Not available",
  "not-analysed": "No live view: analytics are off for this camera",
};

function storageGet(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Private mode or storage full: the choice lasts for this page only.
  }
}

// --- Tiles and their feeds ---------------------------------------------------------------

const feeds = new Map();
let dialogFeed = null; // the feed of the camera in the large view, if one is open
let dialogTile = null;
for (const tile of tiles) {
  const cameraId = Number(tile.dataset.cameraId);
  if (tile.dataset.analysed === "false") {
    tile.dataset.state = "not-analysed";
    renderTile(tile, null);
    continue;
  }
  const feed = new LiveFeed({
    cameraId,
    path: tile.dataset.feedPath,
    fps: tile.dataset.fps,
    status: tile.dataset.status,
    onstate: (changed, why) => renderTile(tile, changed, why),
  });
  feed.addSink(tile.querySelector(".tile-feed"));
  feeds.set(cameraId, feed);
}

function overlayText(tile, feed) {
  const state = tile.dataset.state;
  if (state === "offline") {
    const label = tile.dataset.status === "error" ? "Camera error" : "Camera offline";
    return tile.dataset.statusMessage ? `${label}: ${tile.dataset.statusMessage}` : label;
  }
  if (state === "live") return "";
  if ((state === "connecting" || state === "reconnecting") && feed && !feed.frames) {
    return state === "connecting" ? "Waiting for video…" : "Reconnecting…";
  }
  return OVERLAY_TEXT[state] ?? "";
}

function renderTile(tile, feed, why) {
  if (feed) {
    tile.dataset.state = feed.state;
    if (why === "frame") tile.dataset.frames = String(feed.frames);
  }
  const text = overlayText(tile, feed);
  const overlay = tile.querySelector(".tile-overlay");
  overlay.textContent = text;
  overlay.hidden = text === "";
  if (dialogFeed && dialogFeed === feed) renderDialog();
}

function setTileStatus(tile, camera) {
  tile.dataset.status = camera.status;
  tile.dataset.statusMessage = camera.status_message || "";
  const badge = tile.querySelector(".tile-status");
  badge.className = `badge tile-status status-${camera.status}`;
  badge.textContent = STATUS_LABELS[camera.status] || camera.status;
  if (camera.status_message) badge.title = camera.status_message;
  else badge.removeAttribute("title");
  const feed = feeds.get(Number(tile.dataset.cameraId));
  if (feed) feed.setCameraStatus(camera.status);
  renderTile(tile, feed || null);
}

// --- Layout and paging ---------------------------------------------------------------------

let layout = Number(storageGet(layoutKey)) || config.defaultLayout;
if (!config.layouts.includes(layout)) layout = config.defaultLayout;
let page = 0;
const pager = document.querySelector(".wall-pager");
const pageLabel = document.getElementById("wall-page-label");

function pageCount() {
  return Math.max(1, Math.ceil(tiles.length / layout));
}

function render() {
  page = Math.min(page, pageCount() - 1);
  wall.dataset.layout = String(layout);
  if (grid) grid.dataset.layout = String(layout);
  for (const button of document.querySelectorAll(".layout-button")) {
    button.setAttribute("aria-pressed", String(Number(button.dataset.layout) === layout));
  }
  const first = page * layout;
  tiles.forEach((tile, index) => {
    const visible = index >= first && index < first + layout;
    tile.hidden = !visible;
    const feed = feeds.get(Number(tile.dataset.cameraId));
    if (!feed) return;
    if (visible) feed.start();
    else if (feed !== dialogFeed) feed.stop();
  });
  pager.hidden = pageCount() <= 1;
  pageLabel.textContent = `Page ${page + 1} of ${pageCount()}`;
  document.getElementById("wall-prev").disabled = page === 0;
  document.getElementById("wall-next").disabled = page >= pageCount() - 1;
  wall.dataset.page = String(page + 1);
}

for (const button of document.querySelectorAll(".layout-button")) {
  button.addEventListener("click", () => {
    const first = page * layout;
    layout = Number(button.dataset.layout);
    storageSet(layoutKey, String(layout));
    page = Math.floor(first / layout); // keep the first camera of the page in view
    render();
  });
}
document.getElementById("wall-prev").addEventListener("click", () => {
  page = Math.max(0, page - 1);
  render();
});
document.getElementById("wall-next").addEventListener("click", () => {
  page = Math.min(pageCount() - 1, page + 1);
  render();
});
const siteSelect = document.getElementById("wall-site");
siteSelect?.addEventListener("change", () => siteSelect.form.submit());
for (const id of ["wall-status", "wall-open"]) {
  const control = document.getElementById(id);
  control?.addEventListener("change", () => control.form.submit());
}

// --- Large view ----------------------------------------------------------------------------

const dialog = document.getElementById("camera-dialog");
const dialogImg = document.getElementById("camera-dialog-feed");
const dialogOverlay = document.getElementById("camera-dialog-overlay");
function renderDialog() {
  if (!dialogTile) return;
  dialog.dataset.cameraId = dialogTile.dataset.cameraId;
  dialog.dataset.state = dialogTile.dataset.state;
  dialog.dataset.status = dialogTile.dataset.status;
  const badge = document.getElementById("camera-dialog-status");
  const tileBadge = dialogTile.querySelector(".tile-status");
  badge.className = tileBadge.className;
  badge.textContent = tileBadge.textContent;
  const text = overlayText(dialogTile, dialogFeed);
  dialogOverlay.textContent = text;
  dialogOverlay.hidden = text === "";
}

function openDialog(tile) {
  dialogTile = tile;
  dialogFeed = feeds.get(Number(tile.dataset.cameraId)) || null;
  document.getElementById("camera-dialog-title").textContent =
    `${tile.dataset.cameraName} · ${tile.dataset.site}`;
  dialogImg.alt = `Anonymised live view of ${tile.dataset.cameraName}`;
  dialogImg.hidden = true;
  dialogImg.removeAttribute("src");
  if (dialogFeed) {
    dialogFeed.addSink(dialogImg);
    dialogFeed.start();
  }
  renderDialog();
  dialog.showModal();
}

dialog.addEventListener("close", () => {
  if (dialogFeed) dialogFeed.removeSink(dialogImg);
  const tile = dialogTile;
  dialogFeed = null;
  dialogTile = null;
  delete dialog.dataset.cameraId;
  render(); // stops the feed if its tile is on another page now
  tile?.querySelector(".tile-open")?.focus();
});
document.getElementById("camera-dialog-close").addEventListener("click", () => dialog.close());
dialog.addEventListener("click", (event) => {
  if (event.target === dialog) dialog.close(); // a click on the backdrop
});
for (const tile of tiles) {
  tile.querySelector(".tile-open").addEventListener("click", () => openDialog(tile));
}

// --- Alerts --------------------------------------------------------------------------------

const openAlerts = new OpenAlerts(config.openAlertIds);
// A paged wall (thousands of cameras) carries the open alerts of its own tiles only; the
// others still count in the totals, as the server counted them when the page was made.
const openElsewhere = Math.max(0, (config.openCount ?? 0) - openAlerts.total);
const toasts = new Toasts(document.getElementById("toasts"));
const tone = new Tone();
const tileByCamera = new Map(tiles.map((tile) => [Number(tile.dataset.cameraId), tile]));
const soundButton = document.getElementById("sound-toggle");
const inbox = new EscalationInbox({ toasts, tone });

function renderSound() {
  soundButton.setAttribute("aria-pressed", String(tone.enabled));
  soundButton.textContent = tone.enabled ? "Sound on" : "Sound off";
}
tone.enabled = storageGet(soundKey) === "on";
renderSound();
soundButton.addEventListener("click", () => {
  tone.enabled = !tone.enabled;
  storageSet(soundKey, tone.enabled ? "on" : "off");
  renderSound();
  if (tone.enabled) tone.play(); // also unlocks audio: this click is a user gesture
});

function renderCounts(cameraId) {
  const tile = tileByCamera.get(cameraId);
  if (tile) {
    const count = openAlerts.count(cameraId);
    tile.dataset.openAlerts = String(count);
    const badge = tile.querySelector(".tile-alerts");
    badge.dataset.count = String(count);
    badge.classList.toggle("has-open", count > 0);
    badge.querySelector(".tile-alerts-count").textContent = String(count);
  }
  const total = openAlerts.total + openElsewhere;
  document.title = total ? `(${total}) ${baseTitle}` : baseTitle;
  const panelCount = document.getElementById("alert-open-count");
  const number = panelCount.querySelector(".alert-open-number") || panelCount;
  number.textContent = String(total);
  panelCount.classList.toggle("status-error", total > 0);
  document.getElementById("alert-panel").dataset.openCount = String(total);
  const header = document.getElementById("header-alert-count");
  if (header) {
    header.dataset.count = String(total);
    header.classList.toggle("status-error", total > 0);
    header.querySelector(".header-alerts-count").textContent = String(total);
  }
}

function panelItem(id) {
  return panelList.querySelector(`.alert-item[data-alert-id="${id}"]`);
}

function insertItem(item) {
  // Newest first, by id: a replayed alert lands where it belongs, not at the top.
  const id = Number(item.dataset.alertId);
  const after = [...panelList.children].find((other) => Number(other.dataset.alertId) < id);
  panelList.insertBefore(item, after || null);
  while (panelList.children.length > config.panelLimit) panelList.lastElementChild.remove();
  panelEmpty.hidden = panelList.children.length > 0;
  setTimeout(() => item.classList.remove("is-new"), 4000);
}

function upsert(alert) {
  if (openAlerts.set(alert.id, alert.camera.id, alert.status)) renderCounts(alert.camera.id);
  const item = panelItem(alert.id);
  if (item) setItemStatus(item, alert.status);
  return item;
}

function describe(alert) {
  const what = alert.rule ? `${alert.rule.name} (${alert.kind_label})` : alert.kind_label;
  return `${what} · ${alert.camera.name} · ${alert.occurred_at_display}`;
}

// The user's access changed (a site or camera taken away, a new role): drop the tiles, feeds
// and panel alerts of cameras no longer allowed. The server has closed their live sockets.
function dropCameras(allowed) {
  for (const tile of [...tiles]) {
    const cameraId = Number(tile.dataset.cameraId);
    if (allowed.has(cameraId)) continue;
    if (dialogTile === tile) dialog.close();
    feeds.get(cameraId)?.dispose();
    feeds.delete(cameraId);
    tileByCamera.delete(cameraId);
    tiles.splice(tiles.indexOf(tile), 1);
    tile.remove();
    for (const item of panelList.querySelectorAll(`.alert-item[data-camera-id="${cameraId}"]`)) {
      item.remove();
    }
    openAlerts.byCamera.delete(cameraId);
  }
  panelEmpty.hidden = panelList.children.length > 0;
  render();
  renderCounts(null);
}

const stream = new AlertStream({
  lastId: config.lastAlertId,
  cameraIds: config.siteFiltered ? config.cameraIds : null,
  handlers: {
    alert(alert, { replayed }) {
      if (!panelItem(alert.id)) insertItem(alertItem(alert, config.alertDetailUrl));
      upsert(alert);
      if (!replayed && alert.status === "open") {
        const href = config.alertDetailUrl ? config.alertDetailUrl.replace("{id}", alert.id) : "";
        toasts.show({ title: "New alert", text: describe(alert), href, alertId: alert.id });
        tone.play();
      }
    },
    updated(alert) {
      upsert(alert);
      inbox.updated(alert);
    },
    escalated(alert) {
      inbox.escalated(alert);
    },
    resumed(count) {
      if (count > 0 && stream.connectedBefore) {
        toasts.show({ title: "Back online", text: `${count} alert${count === 1 ? "" : "s"} arrived while reconnecting` });
        tone.play();
      }
      stream.connectedBefore = true;
    },
    accessChanged(cameraIds) {
      dropCameras(new Set(cameraIds));
    },
    cameraStatus(camera) {
      const tile = tileByCamera.get(camera.id);
      if (tile) setTileStatus(tile, camera);
      if (dialogTile === tile) renderDialog();
    },
    connection(state) {
      connectionState.dataset.state = state;
      connectionState.textContent = {
        connecting: "Connecting…",
        live: "Live",
        reconnecting: "Reconnecting…",
        "signed-out": "Signed out: reload the page",
      }[state];
      wall.dataset.connection = state;
    },
  },
});
for (const item of panelList.querySelectorAll(".alert-item")) stream.seen.add(Number(item.dataset.alertId));

// For browser tests and the curious: the wall's parts, e.g. to drop a socket on purpose.
window.veilWall = { feeds, stream, openAlerts, toasts, inbox };

render();
for (const tile of tiles) renderTile(tile, feeds.get(Number(tile.dataset.cameraId)) || null);
renderCounts(null);
keepRelativeTimesFresh(panelList);
stream.start();
