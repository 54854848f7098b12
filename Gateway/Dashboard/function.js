// The function page (#function=NAME): its last hour as charts, versions, plugs, recent log lines, and a form to call it.
"use strict";

async function renderFunction(name) {
  const encoded = encodeURIComponent(name);
  const [detail, history, logs, plugs] = await Promise.all([
    api(`function/${encoded}`), api(`function/${encoded}/stats`), api(`function/${encoded}/logs`), api("plugs"),
  ]);
  document.getElementById("function-name").textContent = name;
  document.getElementById("summary").textContent = `function ${name} · ${detail.versions.length} version(s)`;
  document.getElementById("function-kind").textContent =
    `${detail.function.kind} · ${detail.function.size} bytes · tech id ${detail.function.tech_id.slice(0, 12)}…`;
  renderCharts(history.minutes);
  fill("versions", [...detail.versions].reverse(), [
    [v => v.tech_id.slice(0, 16) + "…"], [v => v.content_type], [v => v.size, true], [v => when(v.registered_at)],
  ]);
  fill("function-plugs", plugs.filter(p => p.name === name), [[p => p.method], [p => p.path], [p => p.start_function ?? "-"], [p => p.data ?? ""]]);
  const lines = logs.lines.slice(-50);
  const log = document.getElementById("logs");
  log.textContent = lines.length === 0 ? "(no log lines on this silo yet)"
    : lines.map(l => `${new Date(l.at).toLocaleTimeString()} ${l.level.padEnd(7)} ${l.text}`).join("\n");
  log.scrollTop = log.scrollHeight;
}

function renderCharts(minutes) {
  const active = minutes.map(m => m.calls > 0);
  const calls = minutes.reduce((sum, m) => sum + m.calls, 0);
  const errors = minutes.reduce((sum, m) => sum + m.errors, 0);
  document.getElementById("hour-summary").textContent =
    `on this silo: ${calls} calls, ${errors} errors (${calls ? Math.round((1000 * errors) / calls) / 10 : 0}%)`;
  drawChart(document.getElementById("chart-requests"), minutes,
    [{ name: "calls/min", color: "#2563eb", values: minutes.map(m => m.calls) }], "");
  drawChart(document.getElementById("chart-errors"), minutes,
    [{ name: "error %", color: "#b3261e", values: minutes.map((m, i) => (active[i] ? (100 * m.errors) / m.calls : null)) }], "%");
  drawChart(document.getElementById("chart-latency"), minutes, [
    { name: "p50", color: "#059669", values: minutes.map((m, i) => (active[i] ? m.p50_ms : null)) },
    { name: "p95", color: "#d97706", values: minutes.map((m, i) => (active[i] ? m.p95_ms : null)) },
    { name: "p99", color: "#7c3aed", values: minutes.map((m, i) => (active[i] ? m.p99_ms : null)) },
  ], " ms");
}

// The call form: direct mode takes integer arguments, posix mode string arguments; the input is UTF-8 text.
async function callFunction(name) {
  const result = document.getElementById("call-result");
  const mode = document.getElementById("call-mode").value;
  const words = document.getElementById("call-args").value.split(/\s+/).filter(w => w.length > 0);
  if (mode === "direct" && words.some(w => !/^-?\d+$/.test(w))) {
    result.textContent = "direct mode takes integer arguments; use posix mode for strings";
    result.className = "error";
    return;
  }
  const input = document.getElementById("call-input").value;
  const body = {
    name, mode, start_function: document.getElementById("call-start").value.trim() || "_start",
    arguments: mode === "direct" ? words.map(Number) : undefined,
    posix_arguments: mode === "posix" ? words : undefined,
    input: input ? toBase64(input) : undefined,
  };
  try {
    const answer = await api("function/call", { method: "POST", body });
    const stderr = fromBase64(answer.stderr);
    result.textContent = `result ${answer.result} · status ${answer.status}\n${fromBase64(answer.output)}${stderr ? `\n--- stderr ---\n${stderr}` : ""}`;
    result.className = "ok";
  } catch (e) {
    if (e instanceof Unauthorized) throw e;
    result.textContent = e.message;
    result.className = "error";
  }
}
