// Escalations sent to this user (a supervisor): a toast "Escalated to you by …" and the
// header's count of alerts waiting for their decision, kept by id so a replayed or repeated
// message never counts twice. Fed by the alert socket's "alert.escalated" (sent to this
// user's own group) and "alert.updated" (someone decided: it no longer waits).

export class EscalationInbox {
  constructor({ toasts, tone = null, badge = document.getElementById("header-escalations") }) {
    this.toasts = toasts;
    this.tone = tone;
    this.badge = badge;
    const seed = (badge?.dataset.alertIds || "").split(",").filter(Boolean).map(Number);
    this.waiting = new Set(seed);
    // The page lists a bounded number of ids; the rest of the count is carried as a number.
    this.untracked = Math.max(0, Number(badge?.dataset.count || 0) - this.waiting.size);
  }

  get count() {
    return this.waiting.size + this.untracked;
  }

  escalated(alert) {
    const fresh = !this.waiting.has(alert.id);
    if (alert.status === "escalated") this.waiting.add(alert.id);
    this.render();
    if (!fresh) return;
    const escalation = alert.escalation || {};
    const by = escalation.by?.name || "a colleague";
    const what = alert.rule ? alert.rule.name : alert.kind_label;
    this.toasts.show({
      title: `Escalated to you by ${by}`,
      text: `${what} · ${alert.camera.name} · ${alert.occurred_at_display}`,
      note: escalation.note || "",
      href: alert.url || "",
      alertId: alert.id,
      variant: "escalation",
      durationMs: 30000,
    });
    this.tone?.play();
  }

  updated(alert) {
    if (alert.status !== "escalated" && this.waiting.delete(alert.id)) this.render();
  }

  render() {
    const count = String(this.count);
    for (const element of document.querySelectorAll(".escalation-count, .header-escalations-count")) {
      element.textContent = count;
    }
    if (this.badge) {
      this.badge.dataset.count = count;
      this.badge.classList.toggle("has-escalations", this.count > 0);
    }
  }
}
