// The un-masked player: plays the grant's watermarked original segments one after another
// (or live frames), and stops for good when the server says the grant ended (the socket
// closes 4404) or a segment is refused.
const panel = document.getElementById("unmask-player");
const ended = document.getElementById("unmask-ended");
const video = document.getElementById("unmask-video");
const live = document.getElementById("unmask-live");
let stopped = false;

function stop() {
  if (stopped) return;
  stopped = true;
  panel.dataset.state = "ended";
  ended.hidden = false;
  if (video) {
    video.pause();
    video.removeAttribute("src");
    video.load();
    video.hidden = true;
  }
  if (live) {
    if (live.src.startsWith("blob:")) URL.revokeObjectURL(live.src);
    live.removeAttribute("src");
    live.hidden = true;
  }
}

if (video) {
  const segments = JSON.parse(document.getElementById("unmask-segments").textContent);
  let index = 0;
  const next = () => {
    if (stopped || index >= segments.length) return;
    video.src = segments[index++];
    video.play().catch(() => {});
  };
  video.addEventListener("ended", next);
  video.addEventListener("error", () => { if (!stopped) stop(); });
  next();
}

const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(`${scheme}//${location.host}${panel.dataset.socket}`);
socket.binaryType = "blob";
socket.addEventListener("open", () => { panel.dataset.socket_state = "open"; });
socket.addEventListener("message", (event) => {
  if (!live || stopped || !(event.data instanceof Blob)) return;
  const previous = live.src;
  live.src = URL.createObjectURL(event.data);
  if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
});
socket.addEventListener("close", stop);
