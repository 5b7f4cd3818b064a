// Times are formatted by the server (vms/timefmt.py): site-local, 24-hour, with the zone's
// label, e.g. "2026-12-01 15:04 GMT". The browser never formats a time itself; this module
// builds the same markup as the {% timestamp %} tag from a payload's strings, and keeps the
// relative hints ("3 min ago") fresh with the server's words and thresholds.

export function relativeTime(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "";
  const seconds = (now - then) / 1000;
  if (seconds < 60) return "just now";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} d ago`;
}

// <time class="timestamp" datetime title>text</time>, then the hint if asked for.
export function timestampNodes({ iso, text, title }, { relative = false } = {}) {
  const time = document.createElement("time");
  time.className = "timestamp";
  time.dateTime = iso;
  time.title = title || "";
  time.textContent = text || "";
  if (!relative) return [time];
  const hint = document.createElement("span");
  hint.className = "time-ago";
  hint.dataset.since = iso;
  hint.textContent = relativeTime(iso);
  return [time, " ", hint];
}

export function refreshRelativeTimes(root = document) {
  const now = Date.now();
  for (const hint of root.querySelectorAll(".time-ago[data-since]")) {
    const text = relativeTime(hint.dataset.since, now);
    if (text && hint.textContent !== text) hint.textContent = text;
  }
}

export function keepRelativeTimesFresh(root = document, everyMs = 30000) {
  refreshRelativeTimes(root);
  return setInterval(() => refreshRelativeTimes(root), everyMs);
}
