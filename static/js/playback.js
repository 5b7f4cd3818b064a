// Playback of a camera's recorded (anonymised) video, one day at a time.
//
// Segments are self-contained fragmented MP4 files of a few seconds. They are fetched in time
// order and appended to one Media Source Extensions buffer, each placed at its start time
// (seconds since the day's start), so the video's time *is* the time of day and seeking is
// setting currentTime; a gap between stretches of footage is jumped over. No library, no CDN.

const root = document.getElementById("playback");
const video = document.getElementById("playback-video");
const playButton = document.getElementById("playback-play");
const speed = document.getElementById("playback-speed");
const clock = document.getElementById("playback-clock");
const timeline = document.getElementById("playback-timeline");
const coverageLayer = document.getElementById("playback-coverage");
const alertLayer = document.getElementById("playback-alerts");
const cursor = document.getElementById("playback-cursor");
const alertList = document.getElementById("playback-alert-list");

const dayStart = Number(root.dataset.dayStart);
const dayEnd = Number(root.dataset.dayEnd);
const timeZone = root.dataset.timeZone || "UTC";
const AHEAD_SECONDS = 30; // buffered ahead of the playing position
const BEHIND_SECONDS = 90; // kept behind it
const JUMP_SECONDS = 2; // a hole in the buffer shorter than this is skipped while playing
const FETCH_TIMEOUT_MS = 20000; // a segment request taking longer is abandoned and retried

let segments = [];
let alerts = [];
let mediaSource = null;
let sourceBuffer = null;
let next = 0; // index of the next segment to append
let generation = 0; // bumped on every seek: stale fetches are dropped
let busy = false; // pump() is fetching or appending
let seeking = false; // seek() owns the buffer: pump() and the watchdog wait
let view = { start: dayStart, span: dayEnd - dayStart };

const formatter = new Intl.DateTimeFormat(undefined, {
  timeZone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
});
const timeOfDay = (at) => formatter.format(new Date(at * 1000));
const absolute = () => dayStart + video.currentTime;

function setState(state) {
  root.dataset.state = state;
}

// --- the index ----------------------------------------------------------------------------------
async function loadIndex() {
  const url = `${root.dataset.indexUrl}?start=${dayStart}&end=${dayEnd}`;
  const response = await fetch(url, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`index: ${response.status}`);
  const index = await response.json();
  segments = index.segments;
  alerts = index.alerts;
  drawTimeline(index.coverage);
  drawAlertList();
  root.dataset.segments = String(segments.length);
  root.dataset.alerts = String(alerts.length);
}

// --- Media Source Extensions ------------------------------------------------------------------
function codecOf(bytes) {
  // The avcC box names the H.264 profile and level: "avc1.PPCCLL".
  for (let i = 4; i < bytes.length - 8; i++) {
    if (bytes[i] === 0x61 && bytes[i + 1] === 0x76 && bytes[i + 2] === 0x63 && bytes[i + 3] === 0x43) {
      const hex = (n) => n.toString(16).padStart(2, "0");
      return `avc1.${hex(bytes[i + 5])}${hex(bytes[i + 6])}${hex(bytes[i + 7])}`;
    }
  }
  return "avc1.640028";
}

function openMediaSource() {
  return new Promise((resolve) => {
    mediaSource = new MediaSource();
    mediaSource.addEventListener("sourceopen", () => resolve(), { once: true });
    video.src = URL.createObjectURL(mediaSource);
  });
}

function whenIdle() {
  if (!sourceBuffer || !sourceBuffer.updating) return Promise.resolve();
  return new Promise((resolve) => sourceBuffer.addEventListener("updateend", resolve, { once: true }));
}

async function append(segment, bytes) {
  if (!sourceBuffer) {
    sourceBuffer = mediaSource.addSourceBuffer(`video/mp4; codecs="${codecOf(bytes)}"`);
    sourceBuffer.mode = "segments";
    mediaSource.duration = dayEnd - dayStart;
  }
  await whenIdle();
  sourceBuffer.timestampOffset = segment.start - dayStart;
  sourceBuffer.appendBuffer(bytes);
  await whenIdle();
  if (playWhenReady) {
    // Play was pressed before there was anything to play: it plays now.
    playWhenReady = false;
    video.play().catch((error) => console.warn("playback:", error));
  }
}

async function trimBehind() {
  const keepFrom = video.currentTime - BEHIND_SECONDS;
  if (sourceBuffer && keepFrom > 0 && sourceBuffer.buffered.length && sourceBuffer.buffered.start(0) < keepFrom) {
    await whenIdle();
    sourceBuffer.remove(0, keepFrom);
    await whenIdle();
  }
}

function bufferedAhead() {
  const ranges = video.buffered;
  for (let i = 0; i < ranges.length; i++) {
    if (ranges.start(i) <= video.currentTime + 0.1 && ranges.end(i) > video.currentTime) {
      return ranges.end(i) - video.currentTime;
    }
  }
  return 0;
}

// Fetch and append segments ahead of the playing position, one at a time.
async function pump() {
  if (busy || seeking || !mediaSource) return;
  busy = true;
  const mine = generation;
  try {
    while (mine === generation && next < segments.length) {
      const segment = segments[next];
      if (segment.start - dayStart > video.currentTime + AHEAD_SECONDS && bufferedAhead() > 5) break;
      // A request that hangs (a busy server) is given up and tried again by the watchdog.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
      let response;
      try {
        response = await fetch(segment.url, { credentials: "same-origin", signal: abort.signal });
      } finally {
        clearTimeout(timer);
      }
      if (!response.ok) throw new Error(`segment ${segment.id}: ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (mine !== generation) break;
      await append(segment, bytes);
      next += 1;
      await trimBehind();
    }
  } catch (error) {
    console.warn("playback:", error); // the watchdog tries again
  } finally {
    busy = false;
  }
}

// --- seeking ------------------------------------------------------------------------------------
function segmentAt(at) {
  // The segment playing at ``at``, or the first one after it.
  const index = segments.findIndex((segment) => segment.end > at);
  return index;
}

async function seek(at) {
  const index = segmentAt(at);
  if (index < 0 || seeking) return;
  seeking = true;
  try {
    await seekNow(at, index);
  } finally {
    seeking = false;
  }
  pump();
}

async function seekNow(at, index) {
  const target = Math.max(at, segments[index].start);
  generation += 1;
  while (busy) await new Promise((resolve) => setTimeout(resolve, 20));
  const time = target - dayStart;
  const buffered = video.buffered;
  let have = false;
  for (let i = 0; i < buffered.length; i++) {
    if (buffered.start(i) <= time && buffered.end(i) > time + 0.5) have = true;
  }
  if (!have && sourceBuffer) {
    await whenIdle();
    if (sourceBuffer.buffered.length) {
      sourceBuffer.remove(0, dayEnd - dayStart);
      await whenIdle();
    }
  }
  next = have ? nextAfterBuffered(time) : index;
  video.currentTime = time;
  root.dataset.seeked = String(target);
  showPosition();
}

function nextAfterBuffered(time) {
  // After a seek inside what is buffered, go on from the first segment past its end.
  const ranges = video.buffered;
  for (let i = 0; i < ranges.length; i++) {
    if (ranges.start(i) <= time && ranges.end(i) > time) {
      const end = dayStart + ranges.end(i);
      const index = segments.findIndex((segment) => segment.end > end + 0.05);
      return index < 0 ? segments.length : index;
    }
  }
  return next;
}

// While playing: skip the gap between two stretches of footage; keep the buffer filled.
function watchdog() {
  if (!mediaSource || seeking) return;
  if (!video.paused && bufferedAhead() < 0.3) {
    const ranges = video.buffered;
    for (let i = 0; i < ranges.length; i++) {
      const start = ranges.start(i);
      if (start > video.currentTime && start - video.currentTime < JUMP_SECONDS) {
        video.currentTime = start + 0.01;
        break;
      }
    }
    const now = absolute();
    const upcoming = segments.find((segment) => segment.start >= now - 0.05);
    const inFootage = segments.some((segment) => segment.start <= now && segment.end > now + 0.2);
    if (!inFootage && upcoming && upcoming.start - now >= JUMP_SECONDS) seek(upcoming.start);
  }
  pump();
}

// --- the timeline -------------------------------------------------------------------------------
function fraction(at) {
  return (at - view.start) / view.span;
}

function place(element, from, to) {
  const left = Math.max(0, fraction(from));
  const right = Math.min(1, fraction(to ?? from));
  element.style.left = `${left * 100}%`;
  if (to !== undefined) element.style.width = `${Math.max(0, right - left) * 100}%`;
  element.hidden = right < 0 || left > 1;
}

let coverage = [];
function drawTimeline(ranges) {
  if (ranges) coverage = ranges;
  coverageLayer.replaceChildren();
  for (const [from, to] of coverage) {
    const range = document.createElement("div");
    range.className = "timeline-range";
    range.title = `${timeOfDay(from)} – ${timeOfDay(to)}`;
    place(range, from, to);
    coverageLayer.append(range);
  }
  alertLayer.replaceChildren();
  for (const alert of alerts) {
    const mark = document.createElement("button");
    mark.type = "button";
    mark.className = "timeline-alert";
    mark.dataset.alertId = String(alert.id);
    mark.dataset.at = String(alert.at);
    mark.title = `${alert.kind.replaceAll("_", " ")} at ${timeOfDay(alert.at)}`;
    mark.setAttribute("aria-label", mark.title);
    mark.addEventListener("click", (event) => {
      event.stopPropagation();
      seekToAlert(alert);
    });
    place(mark, alert.at);
    alertLayer.append(mark);
  }
  document.getElementById("playback-scale-start").textContent = timeOfDay(view.start);
  document.getElementById("playback-scale-end").textContent = timeOfDay(view.start + view.span);
  document.getElementById("playback-empty").hidden = segments.length > 0;
}

function drawAlertList() {
  alertList.replaceChildren();
  for (const alert of alerts) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = `${timeOfDay(alert.at)} ${alert.kind.replaceAll("_", " ")}`;
    button.dataset.alertId = String(alert.id);
    button.addEventListener("click", () => seekToAlert(alert));
    item.append(button);
    alertList.append(item);
  }
}

function seekToAlert(alert) {
  seek(alert.at - 3); // a moment before, to see what led to it
}

function showPosition() {
  const at = absolute();
  clock.textContent = timeOfDay(at);
  root.dataset.position = at.toFixed(2);
  if (fraction(at) < 0 || fraction(at) > 1) {
    view.start = Math.max(dayStart, Math.min(dayEnd - view.span, at - view.span / 2));
    drawTimeline();
  }
  place(cursor, at);
  timeline.setAttribute("aria-valuenow", String(Math.round(at - dayStart)));
}

timeline.addEventListener("click", (event) => {
  const box = timeline.getBoundingClientRect();
  seek(view.start + ((event.clientX - box.left) / box.width) * view.span);
});
timeline.addEventListener("keydown", (event) => {
  const step = { ArrowLeft: -10, ArrowRight: 10, PageDown: -60, PageUp: 60 }[event.key];
  if (step) {
    event.preventDefault();
    seek(absolute() + step);
  }
});
for (const button of document.querySelectorAll("[data-span]")) {
  button.addEventListener("click", () => {
    view.span = Number(button.dataset.span);
    const at = absolute();
    view.start = Math.max(dayStart, Math.min(dayEnd - view.span, at - view.span / 2));
    drawTimeline();
    showPosition();
  });
}

// --- controls -----------------------------------------------------------------------------------
let playWhenReady = false; // play pressed before the first segment was in
playButton.addEventListener("click", () => {
  if (!sourceBuffer) {
    playWhenReady = !playWhenReady;
  } else if (video.paused) {
    if (video.readyState === 0) playWhenReady = true; // nothing appended yet: play on arrival
    video.play().catch((error) => console.warn("playback:", error));
  } else {
    video.pause();
  }
});
speed.addEventListener("change", () => {
  video.playbackRate = Number(speed.value);
});
video.addEventListener("play", () => {
  playButton.textContent = "Pause";
  setState("playing");
});
video.addEventListener("pause", () => {
  playButton.textContent = "Play";
  setState("paused");
});
video.addEventListener("ratechange", () => {
  root.dataset.rate = String(video.playbackRate);
});
video.addEventListener("timeupdate", showPosition);
video.addEventListener("error", () => setState("error"));

async function start() {
  try {
    await loadIndex();
  } catch (error) {
    console.warn("playback:", error);
    setState("error");
    return;
  }
  if (!segments.length) {
    setState("empty");
    return;
  }
  await openMediaSource();
  const wanted = Number(root.dataset.seekTo) || segments[0].start;
  view.span = Number(root.dataset.seekTo) ? 600 : 3600; // around an alert: ten minutes
  view.start = Math.max(dayStart, Math.min(dayEnd - view.span, wanted - view.span / 2));
  drawTimeline();
  await seek(Number(root.dataset.seekTo) ? wanted - 3 : wanted);
  setState("ready");
  setInterval(watchdog, 250);
  if (playWhenReady) video.play().catch((error) => console.warn("playback:", error));
}

start();
