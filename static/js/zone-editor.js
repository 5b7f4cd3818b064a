// Zone editor: draw areas, lines and static privacy masks over a camera's anonymised frame.
// Plain JS, no build step. Coordinates are fractions (0..1) of the frame, as the worker uses
// them. Shapes are saved one by one through the REST API (/api/v1/zones/ and
// /api/v1/privacy-masks/, the session cookie and the page's CSRF token); deletions of shapes
// already saved are sent first, then every new or changed shape.

const SVG = "http://www.w3.org/2000/svg";
const VIEW_WIDTH = 1000; // viewBox units across the frame; height follows the aspect ratio
const MIN_POINTS = { area: 3, line: 2, mask: 3 };
const TYPE_LABELS = { area: "Area", line: "Line", mask: "Privacy mask" };
const DUPLICATE_DISTANCE = 0.006; // a second click this close to the last point adds nothing

const data = JSON.parse(document.getElementById("zone-editor-data").textContent);
const svg = document.getElementById("zone-canvas");
const stage = document.getElementById("zone-stage");
const frame = document.getElementById("zone-frame");
const placeholder = document.getElementById("frame-placeholder");
const frameSource = document.getElementById("frame-source");
const list = document.getElementById("shape-list");
const nameInput = document.getElementById("zone-name");
const saveButton = document.getElementById("save-zones");
const deleteButton = document.getElementById("delete-shape");
const statusLine = document.getElementById("editor-status");
const csrfToken = document.querySelector("#zone-editor [name=csrfmiddlewaretoken]").value;

let nextKey = 1;
// The editor's shape from an API object: zones carry their kind, masks are all "mask".
const fromZone = (zone) => ({ id: zone.id, type: zone.kind, name: zone.name, points: zone.points, used_by: zone.used_by || [] });
const fromMask = (mask) => ({ id: mask.id, type: "mask", name: mask.name, points: mask.points, used_by: [] });
const shapes = [...data.zones.map(fromZone), ...data.masks.map(fromMask)].map((s) => ({ ...s, key: nextKey++, dirty: false, error: "" }));
const pendingDeletes = []; // saved shapes removed locally: {type, id, shape}
let tool = "select";
let selectedKey = null;
let draft = null; // {type, points} while drawing
let drag = null; // {shape, index} while moving a point
let viewHeight = VIEW_WIDTH * 9 / 16;

// --- frame and geometry ------------------------------------------------------------------

function setAspect(width, height) {
  if (!width || !height) return;
  viewHeight = VIEW_WIDTH * height / width;
  stage.style.setProperty("--frame-aspect", `${width} / ${height}`);
  svg.setAttribute("viewBox", `0 0 ${VIEW_WIDTH} ${viewHeight}`);
  render();
}

function loadFrame() {
  const sources = [[data.frame_url, "Current live frame from the analytics worker (anonymised)."]];
  if (data.snapshot_url) sources.push([data.snapshot_url, "No live frame: showing the latest alert snapshot (anonymised)."]);
  let index = 0;
  placeholder.hidden = false;
  placeholder.textContent = "Loading the current frame…";
  const tryNext = () => {
    if (index >= sources.length) {
      frame.hidden = true;
      frame.removeAttribute("src");
      placeholder.hidden = false;
      placeholder.textContent = "No current frame: the camera is not being analysed. You can still draw; the shape of the frame is kept.";
      frameSource.textContent = "";
      return;
    }
    const [url, caption] = sources[index++];
    frame.onload = () => {
      frame.hidden = false;
      placeholder.hidden = true;
      frameSource.textContent = caption;
      setAspect(frame.naturalWidth, frame.naturalHeight);
    };
    frame.onerror = tryNext;
    frame.src = `${url}${url.includes("?") ? "&" : "?"}t=${Date.now()}`;
  };
  tryNext();
}

function toFraction(event) {
  const box = svg.getBoundingClientRect();
  const clamp = (v) => Math.min(1, Math.max(0, v));
  const round = (v) => Math.round(v * 10000) / 10000;
  return [round(clamp((event.clientX - box.left) / box.width)), round(clamp((event.clientY - box.top) / box.height))];
}

const toView = ([x, y]) => [x * VIEW_WIDTH, y * viewHeight];
const pointsAttr = (points) => points.map((p) => toView(p).join(",")).join(" ");

function el(name, attrs = {}, parent = svg) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  parent.appendChild(node);
  return node;
}

// --- drawing -------------------------------------------------------------------------------

function selected() {
  return shapes.find((s) => s.key === selectedKey) || null;
}

function render() {
  svg.replaceChildren();
  svg.setAttribute("class", `tool-${tool}`);
  // Masks first: areas and lines drawn over a mask stay visible.
  const ordered = [...shapes].sort((a, b) => (a.type === "mask" ? -1 : 0) - (b.type === "mask" ? -1 : 0));
  for (const shape of ordered) {
    const isSelected = shape.key === selectedKey;
    const common = {
      class: `shape ${shape.type}${isSelected ? " selected" : ""}`,
      "data-key": shape.key,
      "data-type": shape.type,
      "vector-effect": "non-scaling-stroke",
    };
    if (shape.type === "line") {
      const [a, b] = shape.points.map(toView);
      el("line", { ...common, x1: a[0], y1: a[1], x2: b[0], y2: b[1] });
    } else {
      el("polygon", { ...common, points: pointsAttr(shape.points) });
    }
    if (shape.name && shape.type !== "mask") {
      const [x, y] = toView(shape.points[0]);
      const label = el("text", { class: "label", x: x + 8, y: Math.max(16, y - 8) });
      label.textContent = shape.name;
    }
  }
  if (draft) {
    if (draft.points.length > 1) {
      el(draft.type === "line" ? "polyline" : "polygon", { class: "draft", points: pointsAttr(draft.points), "vector-effect": "non-scaling-stroke" });
    }
    draft.points.forEach((p, i) => {
      const [x, y] = toView(p);
      el("circle", { class: `handle draft-handle${i === 0 ? " first" : ""}`, cx: x, cy: y, r: 6 });
    });
  }
  const current = selected();
  if (current && !draft) {
    current.points.forEach((p, i) => {
      const [x, y] = toView(p);
      el("circle", { class: "handle", cx: x, cy: y, r: 7, "data-index": i, "data-key": current.key });
    });
  }
  renderList();
}

function renderList() {
  list.replaceChildren();
  for (const shape of shapes) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.key = shape.key;
    button.dataset.type = shape.type;
    if (shape.id) button.dataset.id = shape.id;
    button.setAttribute("aria-current", shape.key === selectedKey ? "true" : "false");
    const swatch = document.createElement("span");
    swatch.className = `swatch ${shape.type}`;
    const name = document.createElement("span");
    name.className = "shape-name";
    name.textContent = shape.name || `(unnamed ${TYPE_LABELS[shape.type].toLowerCase()})`;
    const kind = document.createElement("span");
    kind.className = "muted small";
    kind.textContent = TYPE_LABELS[shape.type];
    button.append(swatch, name, kind);
    if (shape.dirty) {
      const dirty = document.createElement("span");
      dirty.className = "dirty";
      dirty.textContent = "unsaved";
      button.append(dirty);
    }
    if (shape.used_by && shape.used_by.length) {
      const used = document.createElement("span");
      used.className = "muted small";
      used.textContent = `used by ${shape.used_by.join(", ")}`;
      button.append(used);
    }
    if (shape.error) {
      const error = document.createElement("span");
      error.className = "shape-error";
      error.textContent = shape.error;
      button.append(error);
    }
    button.addEventListener("click", () => select(shape.key));
    item.append(button);
    list.append(item);
  }
  if (!shapes.length) {
    const item = document.createElement("li");
    item.className = "muted small";
    item.textContent = "No zones, lines or masks yet.";
    list.append(item);
  }
  const current = selected();
  nameInput.disabled = !current;
  deleteButton.disabled = !current;
  if (document.activeElement !== nameInput) nameInput.value = current ? current.name : "";
  const dirtyCount = shapes.filter((s) => s.dirty).length + pendingDeletes.length;
  saveButton.textContent = dirtyCount ? `Save changes (${dirtyCount})` : "Save changes";
}

function select(key) {
  selectedKey = key;
  render();
}

function setTool(name) {
  tool = name;
  draft = null;
  for (const button of document.querySelectorAll("[data-tool]")) {
    button.setAttribute("aria-pressed", button.dataset.tool === name ? "true" : "false");
  }
  if (name !== "select") selectedKey = null;
  render();
}

function defaultName(type) {
  const taken = new Set(shapes.map((s) => s.name));
  const base = type === "mask" ? "Mask" : TYPE_LABELS[type];
  let n = shapes.filter((s) => s.type === type).length + 1;
  while (taken.has(`${base} ${n}`)) n += 1;
  return `${base} ${n}`;
}

function finishDraft() {
  if (!draft) return;
  if (draft.points.length < MIN_POINTS[draft.type]) {
    status(`${TYPE_LABELS[draft.type]} needs at least ${MIN_POINTS[draft.type]} points.`, "error");
    return;
  }
  const shape = { key: nextKey++, id: null, type: draft.type, name: defaultName(draft.type), points: draft.points, used_by: [], dirty: true, error: "" };
  shapes.push(shape);
  draft = null;
  setTool("select");
  select(shape.key);
  status(`${TYPE_LABELS[shape.type]} drawn: name it and save.`, "");
  nameInput.focus();
  nameInput.select();
}

function addDraftPoint(point) {
  if (!draft) draft = { type: tool, points: [] };
  const last = draft.points[draft.points.length - 1];
  if (last && Math.hypot(last[0] - point[0], last[1] - point[1]) < DUPLICATE_DISTANCE) return;
  const first = draft.points[0];
  // Clicking the first point again closes an area or mask.
  if (first && draft.type !== "line" && draft.points.length >= MIN_POINTS[draft.type] && Math.hypot(first[0] - point[0], first[1] - point[1]) < 0.015) {
    finishDraft();
    return;
  }
  draft.points.push(point);
  if (draft.type === "line" && draft.points.length === 2) {
    finishDraft();
    return;
  }
  render();
}

function removeSelected() {
  const shape = selected();
  if (!shape) return;
  if (shape.used_by && shape.used_by.length) {
    status(`“${shape.name}” is used by ${shape.used_by.join(", ")}: change or delete those rules first.`, "error");
    return;
  }
  shapes.splice(shapes.indexOf(shape), 1);
  if (shape.id) pendingDeletes.push({ type: shape.type, id: shape.id, shape });
  selectedKey = null;
  render();
  status(shape.id ? `“${shape.name}” will be deleted when you save.` : "Removed the unsaved shape.", "");
}

svg.addEventListener("pointerdown", (event) => {
  if (event.button !== 0) return;
  const target = event.target;
  if (target.classList.contains("handle") && target.dataset.index !== undefined && !draft) {
    const shape = shapes.find((s) => String(s.key) === target.dataset.key);
    drag = { shape, index: Number(target.dataset.index) };
    svg.setPointerCapture(event.pointerId);
    event.preventDefault();
    return;
  }
  if (tool === "select") {
    const key = target.dataset && target.dataset.key;
    select(key ? Number(key) : null);
    return;
  }
  addDraftPoint(toFraction(event));
  event.preventDefault();
});

svg.addEventListener("pointermove", (event) => {
  if (!drag) return;
  drag.shape.points[drag.index] = toFraction(event);
  drag.shape.dirty = true;
  render();
});

const endDrag = () => {
  drag = null;
};
svg.addEventListener("pointerup", endDrag);
svg.addEventListener("pointercancel", endDrag);

svg.addEventListener("dblclick", (event) => {
  if (draft && draft.type !== "line") {
    finishDraft();
    event.preventDefault();
  }
});

svg.addEventListener("contextmenu", (event) => {
  const target = event.target;
  if (!target.classList.contains("handle") || target.dataset.index === undefined) return;
  event.preventDefault();
  const shape = shapes.find((s) => String(s.key) === target.dataset.key);
  if (shape.points.length <= MIN_POINTS[shape.type]) {
    status(`${TYPE_LABELS[shape.type]} keeps at least ${MIN_POINTS[shape.type]} points.`, "error");
    return;
  }
  shape.points.splice(Number(target.dataset.index), 1);
  shape.dirty = true;
  render();
});

document.addEventListener("keydown", (event) => {
  if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement || event.target instanceof HTMLTextAreaElement) return;
  if (event.key === "Enter" && draft) {
    finishDraft();
    event.preventDefault();
  } else if (event.key === "Escape" && draft) {
    draft = null;
    render();
  } else if ((event.key === "Delete" || event.key === "Backspace") && selected() && !draft) {
    removeSelected();
    event.preventDefault();
  }
});

nameInput.addEventListener("input", () => {
  const shape = selected();
  if (!shape) return;
  shape.name = nameInput.value;
  shape.dirty = true;
  render();
});

deleteButton.addEventListener("click", removeSelected);
document.getElementById("refresh-frame").addEventListener("click", loadFrame);
for (const button of document.querySelectorAll("[data-tool]")) {
  button.addEventListener("click", () => setTool(button.dataset.tool));
}

// --- saving --------------------------------------------------------------------------------

function status(text, kind) {
  statusLine.textContent = text;
  statusLine.className = `editor-status${kind ? ` ${kind}` : ""}`;
}

// One line from a DRF error body: {"detail": "..."} or {"field": ["...", ...], ...}.
function errorText(payload, code) {
  if (!payload || typeof payload !== "object") return code === 404 ? "Not found: reload the page." : `The server answered ${code}.`;
  if (payload.detail) return String(payload.detail);
  const parts = [];
  for (const [field, messages] of Object.entries(payload)) {
    const text = [].concat(messages).join(" ");
    const label = ["non_field_errors", "points"].includes(field) ? "" : `${field[0].toUpperCase()}${field.slice(1)}: `;
    parts.push(`${label}${text}`);
  }
  return parts.join(" ") || `The server answered ${code}.`;
}

async function send(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken },
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let payload = null;
  if (response.status !== 204) {
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
  }
  return { ok: response.ok, payload, error: response.ok ? "" : errorText(payload, response.status) };
}

// A new shape is created in its collection; a saved one is changed at "<collection><id>/"
// (built from the page's relative URLs, so a proxy's scheme or host never matters).
const collectionUrl = (shape) => (shape.type === "mask" ? data.urls.masks : data.urls.zones);
const shapeUrl = (shape) => `${collectionUrl(shape)}${shape.id}/`;

function saveRequest(shape) {
  const body = { name: shape.name, points: shape.points };
  if (shape.type !== "mask") body.kind = shape.type;
  if (shape.id) return send("PATCH", shapeUrl(shape), body);
  return send("POST", collectionUrl(shape), { ...body, camera: data.camera.id });
}

async function saveAll() {
  saveButton.disabled = true;
  status("Saving…", "");
  const failures = [];
  for (const pending of [...pendingDeletes]) {
    const { ok, error } = await send("DELETE", shapeUrl(pending.shape));
    pendingDeletes.splice(pendingDeletes.indexOf(pending), 1);
    if (!ok) {
      pending.shape.error = error || "Could not delete.";
      shapes.push(pending.shape); // refused: it is still there
      failures.push(pending.shape);
    }
  }
  for (const shape of shapes.filter((s) => s.dirty)) {
    const { ok, payload, error } = await saveRequest(shape);
    if (ok) {
      const saved = shape.type === "mask" ? fromMask(payload) : fromZone(payload);
      Object.assign(shape, { ...saved, dirty: false, error: "" });
    } else {
      shape.error = error || "Could not save.";
      failures.push(shape);
    }
  }
  saveButton.disabled = false;
  syncZoneOptions();
  if (failures.length) {
    status(`Not saved: ${failures.map((s) => `${s.name || TYPE_LABELS[s.type]} — ${s.error}`).join("; ")}`, "error");
    selectedKey = failures[0].key;
  } else {
    status("Saved. The worker picks the change up within a few seconds.", "ok");
  }
  render();
}

saveButton.addEventListener("click", saveAll);

// --- the rule form: offer the zones that fit the chosen kind -------------------------------

const ruleZoneKinds = JSON.parse(document.getElementById("rule-zone-kinds").textContent);
const kindSelect = document.querySelector("#rule-form [name=kind]");
const zoneSelect = document.querySelector("#rule-form [name=zone]");
function filterZones() {
  if (!kindSelect || !zoneSelect) return;
  const wanted = ruleZoneKinds[kindSelect.value] || "area";
  for (const group of zoneSelect.querySelectorAll("optgroup")) {
    const groupKind = group.label === "Lines" ? "line" : "area";
    group.disabled = groupKind !== wanted;
  }
  const chosen = zoneSelect.selectedOptions[0];
  if (chosen && chosen.parentElement.tagName === "OPTGROUP" && chosen.parentElement.disabled) zoneSelect.value = "";
}
// Zones saved (or deleted) on this page are offered by the rule form at once.
function syncZoneOptions() {
  if (!zoneSelect) return;
  const chosen = zoneSelect.value;
  const groups = { area: zoneSelect.querySelector("optgroup[label=Areas]"), line: zoneSelect.querySelector("optgroup[label=Lines]") };
  for (const [type, group] of Object.entries(groups)) {
    if (!group) continue;
    group.replaceChildren();
    const saved = shapes.filter((s) => s.type === type && s.id).sort((a, b) => a.name.localeCompare(b.name));
    for (const shape of saved) group.append(new Option(shape.name, String(shape.id)));
  }
  zoneSelect.value = [...zoneSelect.options].some((o) => o.value === chosen) ? chosen : "";
  filterZones();
}
if (kindSelect) kindSelect.addEventListener("change", filterZones);
filterZones();

setAspect(data.aspect[0], data.aspect[1]);
loadFrame();
