// Alert detail: keep the status badge honest while the page is open.
// Listens on /ws/alerts/ for "alert.updated" about this alert (someone else decided) and
// updates #alert-status, then shows #alert-updated-notice so the guard reloads before acting.
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
    }
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401 || event.code === 4404) return; // logged out or out of scope
    setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
  });
}

if (alertId && cameraId && "WebSocket" in window) connect();
