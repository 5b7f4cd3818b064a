// Toasts (announced politely to screen readers by their role=status container) and an
// optional short alert tone made with WebAudio, so no audio file needs to be served.

const TOAST_MS = 6000;
const MAX_TOASTS = 4;

export class Toasts {
  constructor(container) {
    this.container = container;
  }

  // variant: "" or "escalation" (styled apart); note: a person's words, shown quoted.
  show({ title, text, href = "", alertId = null, note = "", variant = "", durationMs = TOAST_MS }) {
    const toast = document.createElement("div");
    toast.className = variant ? `toast toast-${variant}` : "toast";
    if (variant) toast.dataset.variant = variant;
    if (alertId !== null) toast.dataset.alertId = String(alertId);
    const heading = document.createElement("strong");
    heading.className = "toast-title";
    heading.textContent = title;
    const body = document.createElement(href ? "a" : "span");
    body.className = "toast-text";
    body.textContent = text;
    if (href) body.href = href;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss notification");
    close.textContent = "×";
    close.addEventListener("click", () => toast.remove());
    toast.append(heading, " ", body);
    if (note) {
      const quoted = document.createElement("span");
      quoted.className = "toast-note";
      quoted.textContent = `“${note}”`;
      toast.append(quoted);
    }
    toast.append(close);
    this.container.prepend(toast);
    while (this.container.children.length > MAX_TOASTS) this.container.lastElementChild.remove();
    // Hovering or focusing a toast keeps it; it leaves a moment after the pointer does.
    let timer = setTimeout(() => toast.remove(), durationMs);
    const hold = () => clearTimeout(timer);
    const release = () => {
      clearTimeout(timer);
      timer = setTimeout(() => toast.remove(), durationMs / 2);
    };
    toast.addEventListener("mouseenter", hold);
    toast.addEventListener("focusin", hold);
    toast.addEventListener("mouseleave", release);
    toast.addEventListener("focusout", release);
    return toast;
  }
}

export class Tone {
  constructor() {
    this.enabled = false;
    this.context = null;
    // Browsers start audio suspended until the user interacts with the page.
    const unlock = () => this.context?.resume?.();
    window.addEventListener("pointerdown", unlock);
    window.addEventListener("keydown", unlock);
  }

  play() {
    if (!this.enabled) return;
    const AudioContext = window.AudioContext || window.webkitAudioContext;
    if (!AudioContext) return;
    this.context ??= new AudioContext();
    const context = this.context;
    const start = context.currentTime;
    const gain = context.createGain();
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.35);
    gain.connect(context.destination);
    for (const [frequency, offset] of [[880, 0], [660, 0.12]]) {
      const oscillator = context.createOscillator();
      oscillator.type = "sine";
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start(start + offset);
      oscillator.stop(start + offset + 0.2);
    }
  }
}
