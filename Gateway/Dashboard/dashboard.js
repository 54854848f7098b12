// The dashboard: the overview (silos, functions, routes, filters, schedules, backups) polled from the status API,
// or one function's page (#function=NAME); actions: take a backup, run a schedule now, call a function.
"use strict";

const refreshMs = 3000;
let timer = null;

const selectedFunction = () => /(?:^#|&)function=([^&]*)/.exec(location.hash)?.[1];

function functionLink(name) {
  const link = document.createElement("a");
  link.href = `#function=${encodeURIComponent(name)}`;
  link.textContent = name;
  return link;
}

function actionButton(label, action) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.addEventListener("click", action);
  return button;
}

function renderOverview(status) {
  const s = status.silo;
  document.getElementById("summary").textContent =
    `${status.counts.functions} functions · ${status.counts.blobs} blobs · ${status.counts.plugs} plugs · ${status.counts.filters} filters · version ${s.version}`;
  document.getElementById("this-silo").textContent =
    `This silo: ${s.address} · up ${Math.round(s.uptime_seconds)} s since ${when(s.started_at)} · KVM: ${s.kvm.message}`;
  const run = (x, f) => (x.execution ? f(x.execution) : "-");
  fill("silos", status.silos, [
    [x => x.address], [x => x.name], [x => x.status], [x => when(x.started_at)],
    [x => run(x, e => e.executions), true], [x => run(x, e => e.running), true], [x => run(x, e => e.queued), true],
    [x => run(x, e => `${Math.round(e.cpu * 100)}% of ${e.cores}`), true], [x => run(x, e => e.engines.join(", "))],
  ]);
  fill("functions", status.functions, [
    [f => (f.kind ? functionLink(f.name) : f.name)], [f => f.kind ?? "(removed)"], [f => f.calls, true], [f => f.errors, true],
    [f => f.mean_ms, true], [f => f.p50_ms, true], [f => f.p95_ms, true], [f => f.max_ms, true],
  ]);
  fill("routes", status.routes, [[r => r.method], [r => r.path], [r => r.target], [r => r.name]]);
  fill("filters", status.filters, [[x => x.id], [x => x.name], [x => x.start_function || "-"], [x => x.paths.length ? x.paths.join(", ") : "every routed request"]]);
  fill("schedules", status.schedules, [
    [x => x.name], [x => x.when], [x => functionLink(x.function)], [x => when(x.next_run_at)],
    [x => x.run_count, true], [x => x.last_outcome ?? "-"], [x => actionButton("run now", () => runSchedule(x.name))],
  ]);
  const b = status.backups;
  document.getElementById("take-backup").hidden = !b;
  document.getElementById("backups").textContent = !b ? "This silo takes no backups of its store."
    : b.newest ? `${b.kept} kept · newest ${b.newest.name} (${b.newest.size} bytes, ${when(b.newest.created_at)})`
    : "No backup yet.";
  // Continuous backup: how far behind the shipping is (every acknowledged write is off the data disk within a second).
  const c = b && b.continuous;
  const line = document.getElementById("continuous-backup");
  line.hidden = !c;
  if (c) {
    line.className = c.error || c.lag_seconds > 1 ? "error" : "muted";
    line.textContent = `continuous backup to ${c.directory}: lag ${c.lag_seconds.toFixed(3)} s` +
      ` · last shipped ${c.last_shipped_at ? when(c.last_shipped_at) : "never"}` +
      ` · base ${c.last_base_at ? when(c.last_base_at) : "none yet"}` + (c.error ? ` · failing: ${c.error}` : "");
  }
}

async function act(description, action) {
  const message = document.getElementById("action-result");
  message.className = "muted";
  message.textContent = `${description}…`;
  try {
    message.textContent = await action();
    message.className = "ok";
  } catch (e) {
    if (e instanceof Unauthorized) return showLogin("That token was refused.");
    message.textContent = `${description} failed: ${e.message}`;
    message.className = "error";
  }
  refresh();
}

const runSchedule = name => act(`running schedule ${name}`, async () => {
  const run = await api(`schedule/${encodeURIComponent(name)}/run`, { method: "POST" });
  return `schedule ${name} ran: ${run.outcome}, result ${run.result}${run.error ? ` (${run.error})` : ""}`;
});

const takeBackup = () => act("taking a backup", async () => {
  const backup = await api("admin/backup", { method: "POST" });
  return `backup ${backup.name} taken (${backup.size} bytes)`;
});

function showLogin(message) {
  clearTimeout(timer);
  document.getElementById("content").hidden = true;
  document.getElementById("login").hidden = false;
  document.getElementById("login-error").textContent = message ?? "";
  document.getElementById("summary").textContent = "admin token needed";
}

async function refresh() {
  clearTimeout(timer);
  if (!sessionStorage.getItem(tokenKey)) return showLogin();
  const error = document.getElementById("error");
  const name = selectedFunction();
  try {
    if (name) await renderFunction(decodeURIComponent(name));
    else renderOverview(await api("status"));
    document.getElementById("overview").hidden = Boolean(name);
    document.getElementById("function-page").hidden = !name;
    document.getElementById("login").hidden = true;
    document.getElementById("content").hidden = false;
    error.hidden = true;
  } catch (e) {
    if (e instanceof Unauthorized) return showLogin("That token was refused.");
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
document.getElementById("take-backup").addEventListener("click", takeBackup);
document.getElementById("call-form").addEventListener("submit", async event => {
  event.preventDefault();
  await callFunction(decodeURIComponent(selectedFunction()));
  refresh();
});
window.addEventListener("hashchange", () => {
  document.getElementById("call-result").textContent = "";
  refresh();
});

takeTokenFromFragment();
refresh();
