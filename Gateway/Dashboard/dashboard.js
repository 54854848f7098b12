// The dashboard: asks once for the admin token (kept in sessionStorage, or taken from #token=...), then polls the
// status API and renders silos, functions and routes. Plain DOM, no framework.
"use strict";

const statusUrl = "/my-own-cluster/api/status";
const refreshMs = 3000;
const tokenKey = "moc-admin-token";
let timer = null;

function takeTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(tokenKey, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
}

function cell(row, text, numeric) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (numeric) td.className = "num";
}

function fill(tableId, items, columns) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren();
  for (const item of items) {
    const row = body.insertRow();
    for (const [read, numeric] of columns) cell(row, String(read(item) ?? ""), numeric);
  }
  if (items.length === 0) {
    const td = body.insertRow().insertCell();
    td.colSpan = columns.length;
    td.className = "muted";
    td.textContent = "none";
  }
}

function render(status) {
  const s = status.silo;
  document.getElementById("summary").textContent =
    `${status.counts.functions} functions · ${status.counts.blobs} blobs · ${status.counts.plugs} plugs · ${status.counts.filters} filters · version ${s.version}`;
  document.getElementById("this-silo").textContent =
    `This silo: ${s.address} · up ${Math.round(s.uptime_seconds)} s since ${new Date(s.started_at).toLocaleString()} · KVM: ${s.kvm.message}`;
  const run = (x, f) => (x.execution ? f(x.execution) : "-");
  fill("silos", status.silos, [
    [x => x.address], [x => x.name], [x => x.status], [x => new Date(x.started_at).toLocaleString()],
    [x => run(x, e => e.executions), true], [x => run(x, e => e.running), true], [x => run(x, e => e.queued), true],
    [x => run(x, e => `${Math.round(e.cpu * 100)}% of ${e.cores}`), true], [x => run(x, e => e.engines.join(", "))],
  ]);
  fill("functions", status.functions, [
    [f => f.name], [f => f.kind ?? "(removed)"], [f => f.calls, true], [f => f.errors, true],
    [f => f.mean_ms, true], [f => f.p50_ms, true], [f => f.p95_ms, true], [f => f.max_ms, true],
  ]);
  fill("routes", status.routes, [[r => r.method], [r => r.path], [r => r.target], [r => r.name]]);
  fill("filters", status.filters, [[x => x.id], [x => x.name], [x => x.start_function || "-"], [x => x.paths.length ? x.paths.join(", ") : "every routed request"]]);
  fill("schedules", status.schedules, [
    [x => x.name], [x => x.when], [x => x.function], [x => new Date(x.next_run_at).toLocaleString()],
    [x => x.run_count, true], [x => x.last_outcome ?? "-"],
  ]);
  const b = status.backups;
  document.getElementById("backups").textContent = !b ? "This silo takes no backups of its store."
    : b.newest ? `${b.kept} kept · newest ${b.newest.name} (${b.newest.size} bytes, ${new Date(b.newest.created_at).toLocaleString()})`
    : "No backup yet.";
}

function showLogin(message) {
  clearTimeout(timer);
  document.getElementById("content").hidden = true;
  document.getElementById("login").hidden = false;
  document.getElementById("login-error").textContent = message ?? "";
  document.getElementById("summary").textContent = "admin token needed";
}

async function refresh() {
  const token = sessionStorage.getItem(tokenKey);
  if (!token) return showLogin();
  const error = document.getElementById("error");
  try {
    const response = await fetch(statusUrl, { headers: { Authorization: `Bearer ${token}` }, cache: "no-store" });
    if (response.status === 401) {
      sessionStorage.removeItem(tokenKey);
      return showLogin("That token was refused.");
    }
    if (!response.ok) throw new Error(`status API answered ${response.status}`);
    render(await response.json());
    document.getElementById("login").hidden = true;
    document.getElementById("content").hidden = false;
    error.hidden = true;
  } catch (e) {
    error.textContent = `Could not refresh: ${e.message}`;
    error.hidden = false;
  }
  timer = setTimeout(refresh, refreshMs);
}

document.getElementById("login").addEventListener("submit", event => {
  event.preventDefault();
  sessionStorage.setItem(tokenKey, document.getElementById("token").value.trim());
  refresh();
});
document.getElementById("forget").addEventListener("click", () => {
  sessionStorage.removeItem(tokenKey);
  showLogin();
});

takeTokenFromFragment();
refresh();
