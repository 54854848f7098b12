// The admin token (kept in sessionStorage, or taken once from #token=...) and calls to the management API with it.
"use strict";

const apiBase = "/my-own-cluster/api/";
const tokenKey = "moc-admin-token";

class Unauthorized extends Error {}

function takeTokenFromFragment() {
  const match = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(tokenKey, decodeURIComponent(match[1]));
    // The token leaves the address bar; the rest of the fragment (#function=NAME) stays.
    const rest = location.hash.slice(1).split("&").filter(part => !part.startsWith("token=")).join("&");
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
}

// JSON in and out; a refused token throws Unauthorized, any other error status throws with the server's message.
async function api(path, options = {}) {
  const token = sessionStorage.getItem(tokenKey);
  if (!token) throw new Unauthorized();
  const headers = { Authorization: `Bearer ${token}` };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(apiBase + path, {
    method: options.method ?? "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: "no-store",
  });
  if (response.status === 401) {
    sessionStorage.removeItem(tokenKey);
    throw new Unauthorized();
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.message ?? `the API answered ${response.status}`);
  return body;
}

const toBase64 = text => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
const fromBase64 = b64 => new TextDecoder().decode(Uint8Array.from(atob(b64 ?? ""), c => c.charCodeAt(0)));
const when = iso => new Date(iso).toLocaleString();

function cell(row, text, numeric) {
  const td = row.insertCell();
  td.textContent = text ?? "";
  if (numeric) td.className = "num";
  return td;
}

// Fills a table body: columns are [read(item), numeric?]; read may return a DOM node (a link, a button).
function fill(tableId, items, columns) {
  const body = document.querySelector(`#${tableId} tbody`);
  body.replaceChildren();
  for (const item of items) {
    const row = body.insertRow();
    for (const [read, numeric] of columns) {
      const value = read(item);
      if (value instanceof Node) cell(row, "", numeric).append(value);
      else cell(row, String(value ?? ""), numeric);
    }
  }
  if (items.length === 0) {
    const td = body.insertRow().insertCell();
    td.colSpan = columns.length;
    td.className = "muted";
    td.textContent = "none";
  }
}
