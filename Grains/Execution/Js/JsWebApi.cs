namespace MyOwnCluster.Execution.Js;

/// <summary>
/// The web platform a Workers-style handler module expects, written compactly on the platform bridge: Headers,
/// Request, Response, URL, URLSearchParams, TextEncoder/TextDecoder, atob/btoa, crypto.getRandomValues/randomUUID,
/// fetch (through the silo's egress policy), and the handler's env.KV (the function's key-value namespace).
/// Part of the prelude: <c>call</c>, <c>g</c> and <c>NativeUint8Array</c> are the prelude's.
/// </summary>
internal static class JsWebApi
{
    public const string Source = """
          const web = () => {
            const define = (name, value) => Object.defineProperty(g, name, { value, writable: true, configurable: true });
            // UTF-8 in the script itself: a host call that returns a new typed array costs far more than encoding here.
            const utf8 = (s) => {
              s = String(s);
              const n = s.length;
              let length = 0;
              for (let i = 0; i < n; i++) {
                const c = s.charCodeAt(i);
                if (c < 0x80) length += 1;
                else if (c < 0x800) length += 2;
                else if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { length += 4; i++; }
                else length += 3;
              }
              tooBig(length);
              const b = new NativeUint8Array(length);
              if (length === n) {
                for (let i = 0; i < n; i++) b[i] = s.charCodeAt(i);
                return b;
              }
              let o = 0;
              for (let i = 0; i < n; i++) {
                let c = s.charCodeAt(i);
                if (c < 0x80) { b[o++] = c; continue; }
                if (c < 0x800) { b[o++] = 0xc0 | (c >> 6); b[o++] = 0x80 | (c & 0x3f); continue; }
                if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
                  c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
                  b[o++] = 0xf0 | (c >> 18); b[o++] = 0x80 | ((c >> 12) & 0x3f); b[o++] = 0x80 | ((c >> 6) & 0x3f); b[o++] = 0x80 | (c & 0x3f);
                  continue;
                }
                if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
                b[o++] = 0xe0 | (c >> 12); b[o++] = 0x80 | ((c >> 6) & 0x3f); b[o++] = 0x80 | (c & 0x3f);
              }
              return b;
            };
            // ASCII decodes in the script; anything else goes to the host's decoder (replacement characters included).
            const text = (b) => {
              if (b.length <= 65536) {
                let ascii = true;
                for (let i = 0; i < b.length; i++) if (b[i] > 0x7f) { ascii = false; break; }
                if (ascii) {
                  let out = '';
                  for (let i = 0; i < b.length; i += 8192) out += String.fromCharCode.apply(null, b.subarray(i, i + 8192));
                  return out;
                }
              }
              return call('', 'text', [b]);
            };
            const bytesOf = (v) => {
              if (v instanceof NativeUint8Array) return v;
              if (v instanceof ArrayBuffer) return new NativeUint8Array(v);
              if (ArrayBuffer.isView(v)) return new NativeUint8Array(v.buffer, v.byteOffset, v.byteLength);
              return utf8(v);
            };
            class TextEncoder { get encoding() { return 'utf-8'; } encode(s = '') { return utf8(s); } }
            class TextDecoder {
              get encoding() { return 'utf-8'; }
              decode(b) { return b === undefined ? '' : text(bytesOf(b)); }
            }
            const btoa = (s) => {
              s = String(s);
              if (/[^\u0000-\u00ff]/.test(s)) throw new DOMException('btoa: characters outside Latin-1', 'InvalidCharacterError');
              const b = new NativeUint8Array(s.length);
              for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
              return call('', 'base64', [b]);
            };
            const atob = (s) => {
              const b = call('', 'unbase64', [String(s).replace(/[\t\n\f\r ]/g, '')]);
              if (b === null) throw new DOMException('atob: not valid base64', 'InvalidCharacterError');
              let out = '';
              for (let i = 0; i < b.length; i += 8192) out += String.fromCharCode(...b.subarray(i, i + 8192));
              return out;
            };
            class DOMException extends Error {
              constructor(message = '', name = 'Error') { super(message); Object.defineProperty(this, 'name', { value: name }); }
            }
            const crypto = {
              getRandomValues(view) {
                if (!ArrayBuffer.isView(view) || view instanceof Float32Array || view instanceof Float64Array) throw new TypeError('getRandomValues needs an integer typed array');
                if (view.byteLength > 65536) throw new DOMException('getRandomValues: more than 65536 bytes', 'QuotaExceededError');
                new NativeUint8Array(view.buffer, view.byteOffset, view.byteLength).set(call('', 'random', [view.byteLength]));
                return view;
              },
              randomUUID() {
                const b = call('', 'random', [16]);
                b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
                const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
                return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
              },
            };

            class URLSearchParams {
              #list = [];
              constructor(init = '') {
                if (typeof init === 'object' && init !== null) {
                  const pairs = Symbol.iterator in init ? init : Object.entries(init);
                  for (const [k, v] of pairs) this.#list.push([String(k), String(v)]);
                } else {
                  for (const part of String(init).replace(/^\?/, '').split('&')) {
                    if (part === '') continue;
                    const i = part.indexOf('=');
                    const dec = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
                    this.#list.push(i < 0 ? [dec(part), ''] : [dec(part.slice(0, i)), dec(part.slice(i + 1))]);
                  }
                }
              }
              append(k, v) { this.#list.push([String(k), String(v)]); }
              delete(k) { this.#list = this.#list.filter(([n]) => n !== k); }
              get(k) { const e = this.#list.find(([n]) => n === k); return e ? e[1] : null; }
              getAll(k) { return this.#list.filter(([n]) => n === k).map(([, v]) => v); }
              has(k) { return this.#list.some(([n]) => n === k); }
              set(k, v) { const i = this.#list.findIndex(([n]) => n === k); this.delete(k); this.#list.splice(i < 0 ? this.#list.length : i, 0, [String(k), String(v)]); }
              sort() { this.#list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); }
              forEach(f, self) { for (const [k, v] of this.#list) f.call(self, v, k, this); }
              get size() { return this.#list.length; }
              entries() { return this.#list.map((e) => [...e])[Symbol.iterator](); }
              keys() { return this.#list.map(([k]) => k)[Symbol.iterator](); }
              values() { return this.#list.map(([, v]) => v)[Symbol.iterator](); }
              [Symbol.iterator]() { return this.entries(); }
              toString() {
                const enc = (s) => encodeURIComponent(s).replace(/%20/g, '+');
                return this.#list.map(([k, v]) => enc(k) + '=' + enc(v)).join('&');
              }
            }

            const URL_PARTS = /^([a-zA-Z][a-zA-Z0-9+.-]*:)(?:\/\/(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/;
            const DEFAULT_PORTS = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };
            const normalizePath = (path) => {
              const out = [];
              for (const seg of path.split('/').slice(1)) {
                if (seg === '..') { if (out.length) out.pop(); } else if (seg !== '.') out.push(seg);
              }
              if (/\/\.\.?$/.test(path)) out.push('');
              return '/' + out.join('/');
            };
            class URL {
              #p;
              constructor(url, base) {
                url = String(url).trim();
                if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url)) {
                  if (base === undefined) throw new TypeError('Invalid URL: ' + url);
                  const b = new URL(base);
                  if (url.startsWith('//')) url = b.protocol + url;
                  else if (url.startsWith('/')) url = b.origin + url;
                  else if (url.startsWith('?')) url = b.origin + b.pathname + url;
                  else if (url.startsWith('#')) url = b.origin + b.pathname + b.search + url;
                  else url = b.origin + b.pathname.replace(/[^/]*$/, '') + url;
                }
                const m = URL_PARTS.exec(url);
                if (!m || (m[4] === undefined && /^(https?|wss?):$/i.test(m[1]))) throw new TypeError('Invalid URL: ' + url);
                const protocol = m[1].toLowerCase();
                const special = protocol in DEFAULT_PORTS;
                this.#p = {
                  protocol, username: m[2] ?? '', password: m[3] ?? '', hostname: (m[4] ?? '').toLowerCase(),
                  port: m[5] && m[5] !== DEFAULT_PORTS[protocol] ? m[5] : '',
                  pathname: special ? normalizePath(m[6] || '/') : m[6], hash: m[8] && m[8] !== '#' ? m[8] : '',
                };
                this.#p.searchParams = new URLSearchParams(m[7] ?? '');
                this.#p.rawSearch = m[7] && m[7] !== '?' ? m[7] : '';
              }
              get protocol() { return this.#p.protocol; }
              get username() { return this.#p.username; }
              get password() { return this.#p.password; }
              get hostname() { return this.#p.hostname; }
              get port() { return this.#p.port; }
              get host() { return this.#p.hostname + (this.#p.port ? ':' + this.#p.port : ''); }
              get origin() { return this.#p.hostname ? this.#p.protocol + '//' + this.host : 'null'; }
              get pathname() { return this.#p.pathname; }
              set pathname(v) { this.#p.pathname = normalizePath('/' + String(v).replace(/^\//, '')); }
              get search() {
                const s = this.#p.searchParams.toString();
                return s === '' ? '' : this.#p.rawSearch && new URLSearchParams(this.#p.rawSearch).toString() === s ? this.#p.rawSearch : '?' + s;
              }
              set search(v) { v = String(v); this.#p.rawSearch = v === '' || v === '?' ? '' : v.startsWith('?') ? v : '?' + v; this.#p.searchParams = new URLSearchParams(v); }
              get searchParams() { return this.#p.searchParams; }
              get hash() { return this.#p.hash; }
              set hash(v) { v = String(v); this.#p.hash = v === '' ? '' : v.startsWith('#') ? v : '#' + v; }
              get href() {
                const auth = this.#p.username ? this.#p.username + (this.#p.password ? ':' + this.#p.password : '') + '@' : '';
                const authority = this.#p.hostname || this.#p.protocol in DEFAULT_PORTS ? '//' + auth + this.host : '';
                return this.#p.protocol + authority + this.#p.pathname + this.search + this.hash;
              }
              toString() { return this.href; }
              toJSON() { return this.href; }
            }

            class Headers {
              #map = new Map();
              constructor(init) {
                if (init instanceof Headers) init.forEach((v, k) => this.append(k, v));
                else if (init && typeof init === 'object') {
                  for (const [k, v] of Symbol.iterator in init ? init : Object.entries(init)) this.append(k, v);
                }
              }
              #name(k) {
                k = String(k).toLowerCase();
                if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(k)) throw new TypeError('Invalid header name: ' + k);
                return k;
              }
              append(k, v) { k = this.#name(k); v = String(v).trim(); const old = this.#map.get(k); this.#map.set(k, old === undefined ? v : old + ', ' + v); }
              set(k, v) { this.#map.set(this.#name(k), String(v).trim()); }
              get(k) { const v = this.#map.get(String(k).toLowerCase()); return v === undefined ? null : v; }
              has(k) { return this.#map.has(String(k).toLowerCase()); }
              delete(k) { this.#map.delete(String(k).toLowerCase()); }
              forEach(f, self) { for (const [k, v] of this.entries()) f.call(self, v, k, this); }
              entries() { return [...this.#map].sort((a, b) => (a[0] < b[0] ? -1 : 1))[Symbol.iterator](); }
              keys() { return [...this.entries()].map(([k]) => k)[Symbol.iterator](); }
              values() { return [...this.entries()].map(([, v]) => v)[Symbol.iterator](); }
              [Symbol.iterator]() { return this.entries(); }
            }

            const bodyInit = (body, headers) => {
              if (body === undefined || body === null) return null;
              if (typeof body === 'string') {
                if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
                return body;
              }
              if (body instanceof URLSearchParams) {
                if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded;charset=UTF-8');
                return body.toString();
              }
              if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return bytesOf(body).slice();
              return String(body);
            };
            class Body {
              #body; #used = false;
              constructor(body) { this.#body = body; }
              get bodyUsed() { return this.#used; }
              get body() { return this.#body === null ? null : {}; }
              #take() {
                if (this.#used) throw new TypeError('Body has already been used');
                this.#used = true;
                return this.#body;
              }
              _raw() { return this.#body; }
              async text() { const b = this.#take(); return b === null ? '' : typeof b === 'string' ? b : text(b); }
              async json() { return JSON.parse(await this.text()); }
              async arrayBuffer() { const b = this.#take(); return b === null ? new ArrayBuffer(0) : bytesOf(b).slice().buffer; }
              async bytes() { return new NativeUint8Array(await this.arrayBuffer()); }
              async formData() { throw new TypeError('formData() is not supported'); }
            }
            class Request extends Body {
              #url; #method; #headers; #signal = null;
              constructor(input, init = {}) {
                const from = input instanceof Request ? input : null;
                const headers = new Headers(init.headers ?? from?.headers);
                const method = String(init.method ?? from?.method ?? 'GET').toUpperCase();
                let body = init.body !== undefined ? bodyInit(init.body, headers) : from ? from._raw() : null;
                if ((method === 'GET' || method === 'HEAD') && body !== null) throw new TypeError('Request with GET/HEAD method cannot have body');
                super(body);
                this.#url = from ? from.url : new URL(String(input)).href;
                this.#method = method;
                this.#headers = headers;
              }
              get url() { return this.#url; }
              get method() { return this.#method; }
              get headers() { return this.#headers; }
              get signal() { return this.#signal; }
              get redirect() { return 'follow'; }
              clone() { return new Request(this); }
            }
            class Response extends Body {
              #status; #statusText; #headers;
              constructor(body = null, init = {}) {
                const headers = new Headers(init.headers);
                const status = init.status ?? 200;
                if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError('Invalid response status: ' + status);
                super(bodyInit(body, headers));
                this.#status = status;
                this.#statusText = String(init.statusText ?? '');
                this.#headers = headers;
              }
              get status() { return this.#status; }
              get statusText() { return this.#statusText; }
              get ok() { return this.#status >= 200 && this.#status < 300; }
              get headers() { return this.#headers; }
              get redirected() { return false; }
              get type() { return 'default'; }
              get url() { return ''; }
              clone() { return new Response(this._raw(), { status: this.#status, statusText: this.#statusText, headers: this.#headers }); }
              static json(data, init = {}) {
                const headers = new Headers(init.headers);
                if (!headers.has('content-type')) headers.set('content-type', 'application/json');
                return new Response(JSON.stringify(data), { ...init, headers });
              }
              static redirect(url, status = 302) {
                return new Response(null, { status, headers: { location: new URL(String(url)).href } });
              }
              static error() { return new Response(null, { status: 500 }); }
            }
            const headerList = (headers) => JSON.stringify([...headers]);
            const fetch = async (input, init) => {
              const request = new Request(input, init);
              const answer = call('', 'fetch', [request.method, request.url, headerList(request.headers), request._raw()]);
              if (answer === null) throw new TypeError('fetch failed: ' + request.url + ' (the reason is in the function log)');
              const [status, headers, body] = answer;
              return new Response(status === 204 || status === 304 ? null : body, { status: Math.max(200, status), headers: JSON.parse(headers) });
            };

            // Looked up at first use: the web API may be installed before any call (a blank isolate's ready context).
            let coreApi = null;
            const core = () => coreApi ?? (coreApi = requireApi('core'));
            const kvValue = (bytes, type) => {
              if (bytes === null) return null;
              if (type === 'arrayBuffer') return bytes.slice().buffer;
              if (type === 'stream') throw new TypeError('KV: stream values are not supported');
              const value = text(bytes);
              return type === 'json' ? JSON.parse(value) : value;
            };
            const KV = {
              async get(key, options) {
                const type = typeof options === 'string' ? options : options?.type ?? 'text';
                return kvValue(core().persistence_get(String(key)), type);
              },
              async put(key, value) {
                if (core().persistence_set(String(key), typeof value === 'string' ? value : bytesOf(value)) !== 0) {
                  throw new Error('KV put failed (the reason is in the function log)');
                }
              },
              async delete(key) { core().persistence_delete(String(key)); },
              async list(options = {}) {
                const page = core().persistence_get_subset_paged(String(options.prefix ?? ''), options.cursor ?? null, Math.min(1000, options.limit ?? 1000));
                if (page === null) throw new Error('KV list failed (the reason is in the function log)');
                const keys = Object.keys(page.entries).sort().map((name) => ({ name }));
                return page.next === null ? { keys, list_complete: true } : { keys, list_complete: false, cursor: page.next };
              },
            };
            const env = Object.freeze({ KV });
            const ctx = Object.freeze({ waitUntil(promise) { Promise.resolve(promise).catch(() => { }); }, passThroughOnException() { } });

            for (const [name, value] of Object.entries({ TextEncoder, TextDecoder, atob, btoa, crypto, URL, URLSearchParams,
              Headers, Request, Response, fetch, DOMException })) define(name, value);

            // One HTTP request through the handler: the plugged request in, the Response out to the output buffer.
            return async (handler) => {
              const [method, url, headers, length] = JSON.parse(call('', 'request', []));
              const body = new NativeUint8Array(length);
              if (length > 0) call('', 'requestBody', [body]);
              const request = new Request(url, { method, headers, body: method === 'GET' || method === 'HEAD' ? null : body });
              const response = await handler.fetch(request, env, ctx);
              if (!(response instanceof Response)) throw new TypeError('the fetch handler must return a Response, got ' + typeof response);
              const raw = response._raw();
              call('', 'respond', [response.status, headerList(response.headers), raw]);
              return 0;
            };
          };
    """;
}
