// Polls a report's progress and moves the bar; reloads the page when the report is ready.
(() => {
  const box = document.getElementById("report-progress");
  if (!box) return;
  const bar = box.querySelector(".progress-bar");
  const stage = box.querySelector(".progress-stage");
  const url = box.dataset.url;
  const poll = async () => {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) return setTimeout(poll, 2000);
    const state = await response.json();
    bar.className = `progress-bar pct-${state.progress}`;
    bar.setAttribute("aria-valuenow", state.progress);
    stage.textContent = `${state.progress}% · ${state.stage || state.status}`;
    if (state.ready || state.status === "failed") return window.location.reload();
    setTimeout(poll, 500);
  };
  poll();
})();
