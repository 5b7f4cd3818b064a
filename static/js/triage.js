// Alert detail: keep the status badge honest while the page is open.
// Listens on /ws/alerts/ for "alert.updated" about this alert: someone else decided (updates
// #alert-status, then shows #alert-updated-notice so the guard reloads before acting), or its
// clip was encoded after the alert (replaces #alert-no-clip with the player).
const script = document.getElementById("triage-script");
const alertId = Number(script?.dataset.alertId);
const cameraId = Number(script?.dataset.cameraId);
let shownStatus = script?.dataset.status;

function showStatus(alert) {
  const badge = document.getElementById("alert-status");
  if (!badge || alert.status === shownStatus) return;
  shownStatus = alert.status;
  badge.className = `badge alert-status alert-status-${alert.status}`;
  badge.dataset.status = alert.status;
  badge.textContent = alert.status.charAt(0).toUpperCase() + alert.status.slice(1);
  const notice = document.getElementById("alert-updated-notice");
  if (notice) notice.hidden = false;
}

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

function connect(delay = 1000) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/alerts/`);
  socket.addEventListener("open", () => {
    delay = 1000;
    socket.send(JSON.stringify({ type: "subscribe", cameras: [cameraId] }));
  });
  socket.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message.type === "alert.updated" && message.alert?.id === alertId) {
      showStatus(message.alert);
      showClip(message.alert);
    }
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401 || event.code === 4404) return; // logged out or out of scope
    setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
  });
}

if (alertId && cameraId && "WebSocket" in window) connect();
