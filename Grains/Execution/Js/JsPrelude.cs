namespace MyOwnCluster.Execution.Js;

/// <summary>
/// The platform's script, run once in every new context before the function's own: it guards buffer sizes, turns off
/// code generation from strings, builds <c>requireApi</c> and <c>console</c> on the one host bridge (which stays in
/// this closure: scripts never see a .NET object), and returns the helpers the host calls the function through.
/// </summary>
internal static class JsPrelude
{
    public const string SourceName = "platform.js";

    /// <summary>
    /// Binary buffers are allocated whole by one statement (<c>new Uint8Array(2 ** 30)</c>) outside V8's heap; on a
    /// shared silo that spike is the danger. Sizes over the memory cap are refused with a RangeError up front: the
    /// buffer constructors (and their <c>prototype.constructor</c>, which species lookups use) become proxies that
    /// check the size, array-likes included, and ArrayBuffer's resize/transfer check theirs. SharedArrayBuffer is
    /// removed (one agent, no sharing).
    /// </summary>
    public const string Source = Start + JsWebApi.Source + End;

    private const string Start = """
        (function (host, cap) {
          'use strict';
          const g = globalThis;
          const NativeUint8Array = Uint8Array;
          const tooBig = (bytes) => {
            if (typeof bytes === 'number' && bytes > cap) {
              throw new RangeError('a buffer of ' + bytes + ' bytes exceeds the memory cap of ' + cap + ' bytes');
            }
          };
          for (const method of ['resize', 'transfer', 'transferToFixedLength']) {
            const native = ArrayBuffer.prototype[method];
            if (typeof native === 'function') {
              Object.defineProperty(ArrayBuffer.prototype, method, {
                value: { [method](length) { tooBig(length); return native.apply(this, arguments); } }[method],
                writable: true, configurable: true,
              });
            }
          }
          const guard = (name, bytesPerElement) => {
            const native = g[name];
            if (typeof native !== 'function') return;
            const guarded = new Proxy(native, {
              construct(target, args, newTarget) {
                const first = args[0];
                if (bytesPerElement === 0) {
                  tooBig(first);
                  tooBig(args[1] && args[1].maxByteLength);
                } else if (typeof first === 'number') {
                  tooBig(first * bytesPerElement);
                } else if (first !== null && typeof first === 'object' && !(first instanceof ArrayBuffer)) {
                  const length = first.length;
                  if (typeof length === 'number') tooBig(length * bytesPerElement);
                }
                return Reflect.construct(target, args, newTarget);
              },
            });
            Object.defineProperty(native.prototype, 'constructor', { value: guarded, writable: true, configurable: true });
            Object.defineProperty(g, name, { value: guarded, writable: true, configurable: true });
          };
          guard('ArrayBuffer', 0);
          for (const [name, size] of [['Int8Array', 1], ['Uint8Array', 1], ['Uint8ClampedArray', 1], ['Int16Array', 2],
            ['Uint16Array', 2], ['Float16Array', 2], ['Int32Array', 4], ['Uint32Array', 4], ['Float32Array', 4],
            ['Float64Array', 8], ['BigInt64Array', 8], ['BigUint64Array', 8]]) {
            guard(name, size);
          }
          // Builtins that allocate in one native step, where neither the heap monitor nor the deadline can stop them
          // (filling a huge sparse array even ends the process): sizes over the cap are refused before they start.
          const tooLong = (what, n, limit) => {
            if (n > limit) throw new RangeError(what + ' of ' + n + ' elements exceeds the memory cap of ' + cap + ' bytes');
          };
          const check = (owner, name, before) => {
            const native = owner[name];
            Object.defineProperty(owner, name, {
              value: { [name](...a) { before(this, a); return Reflect.apply(native, this, a); } }[name],
              writable: true, configurable: true,
            });
          };
          check(Array.prototype, 'fill', (self) => { if (Array.isArray(self)) tooLong('an array', self.length, cap / 8); });
          check(Array, 'from', (self, a) => { if (a[0] != null && typeof a[0].length === 'number') tooLong('an array', a[0].length, cap / 8); });
          check(String.prototype, 'repeat', (self, a) => tooLong('a string', String(self).length * Number(a[0]), cap));
          check(String.prototype, 'padStart', (self, a) => tooLong('a string', Number(a[0]), cap));
          check(String.prototype, 'padEnd', (self, a) => tooLong('a string', Number(a[0]), cap));
          delete g.SharedArrayBuffer;
          const refuse = { eval() { throw new EvalError('code generation from strings is disabled'); } }.eval;
          Object.defineProperty(g, 'eval', { value: refuse, writable: true, configurable: true });

          const call = (api, name, a) => host(api, name, a.length, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
          const stub = (api, name, length) => {
            const f = { [name](...a) { return call(api, name, a); } }[name];
            Object.defineProperty(f, 'length', { value: length });
            return f;
          };
          const apis = new Map();
          const requireApi = function requireApi(name) {
            const known = apis.get(name);
            if (known !== undefined) return known;
            const signature = call('', 'methods', [name]);
            if (typeof signature !== 'string') return null;
            const api = {};
            for (const entry of signature.split(',')) {
              const [method, length] = entry.split(':');
              api[method] = stub(name, method, Number(length));
            }
            apis.set(name, api);
            return api;
          };
          Object.defineProperty(g, 'requireApi', { value: requireApi, writable: true, configurable: true });
          const printable = (v) => typeof v === 'string' ? v
            : (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) ? String(v)
            : '[' + (Array.isArray(v) ? 'an array' : v instanceof NativeUint8Array ? 'a Uint8Array' : typeof v) + ']';
          const print = (...a) => { call('', 'print', [a.map(printable).join(' ')]); };
          const console = {};
          for (const level of ['log', 'info', 'warn', 'error', 'debug']) console[level] = { [level]: (...a) => print(...a) }[level];
          Object.defineProperty(g, 'console', { value: console, writable: true, configurable: true });
        """;

    private const string End = """

          const where = (stack) => {
            const m = /function(?: \[\d+\])?\.js:(\d+):(\d+)/.exec(stack);
            return m ? ' at function.js:' + m[1] + ':' + m[2] : '';
          };
          const describe = (e) => {
            if (e instanceof Error) {
              let stack = '';
              try { stack = String(e.stack); } catch { }
              return e.name + ': ' + e.message + where(stack);
            }
            return typeof e === 'string' ? e : 'uncaught ' + (e === null ? 'null' : typeof e);
          };
          // Results are encoded for the host: a number is the call's result, a string starting with 'E' a guest
          // error, 'H' an error thrown by a fetch handler, 'B' a bad request (no such start function), 'P' a
          // promise still pending.
          const result = (v) => {
            if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) : 'Ethe start function returned the number ' + v;
            if (typeof v === 'boolean') return v ? 1 : 0;
            if (v === undefined || v === null) return 0;
            const what = typeof v === 'string' ? 'a string' : Array.isArray(v) ? 'an array' : typeof v;
            return 'Ethe start function returned ' + what + '; return a number (or nothing) and write data to the output buffer';
          };
          let worker = null;
          let handle = null;
          let settled = 'Pthe promise the start function returned did not settle';
          const find = (name) => {
            if (worker !== null && typeof worker[name] === 'function') return worker[name].bind(worker);
            const f = g[name];
            if (typeof f === 'function') return f;
            if (name === '_start' && typeof g.main === 'function') return g.main;
            return null;
          };
          const run = (name, args) => {
            const handler = name === 'fetch' && handle !== null && worker !== null && typeof worker.fetch === 'function';
            const start = handler ? () => handle(worker) : find(name);
            if (start === null) return "Bthe script defines no global function '" + (name === '_start' ? 'main' : name) + "'";
            let value;
            try {
              value = start(...args);
            } catch (e) {
              return (handler ? 'H' : 'E') + describe(e);
            }
            if (value === null || typeof value !== 'object' || typeof value.then !== 'function') return result(value);
            settled = 'Pthe promise the start function returned did not settle';
            Promise.resolve(value).then((v) => { settled = result(v); }, (e) => { settled = (handler ? 'H' : 'E') + describe(e); });
            return 'P';
          };
          return {
            // The call's start function and arguments are pulled through the bridge: a host call into the script
            // with arguments costs far more than the script calling the host.
            run: () => {
              const invocation = call('', 'invocation', []);
              const cut = invocation.indexOf('\n');
              return run(invocation.slice(0, cut), JSON.parse(invocation.slice(cut + 1)));
            },
            settled: () => settled,
            // Before a module is evaluated: the web API, and the one-shot global the wrapper module hands the
            // module's default export to (defined here, not from the host: a host-side global write goes through
            // ClearScript's dynamic binder, and deleting it again cost a script compile of its own).
            web: () => {
              handle = web();
              Object.defineProperty(g, '__moc_adopt', {
                value: (w) => { worker = w; delete g.__moc_adopt; }, writable: true, configurable: true,
              });
            },
            bytes: (n) => new NativeUint8Array(n),
            parse: (text) => JSON.parse(text),
            stringify: (v) => JSON.stringify(v),
            array: (...items) => items,
            entries: (...kv) => {
              const o = {};
              for (let i = 0; i + 1 < kv.length; i += 2) {
                Object.defineProperty(o, kv[i], { value: kv[i + 1], writable: true, enumerable: true, configurable: true });
              }
              return o;
            },
          };
        })
        """;
}
