using Acornima.Ast;
using Jint;
using Jint.Native;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// Binary buffers are allocated whole by one statement (<c>new Uint8Array(2 ** 30)</c>), before Jint's per-statement
/// memory check can see them; on a shared silo that spike is the danger, not the script. This guard, installed in
/// every engine before the user's script, refuses explicit buffer sizes over the memory cap with a RangeError up front.
/// Everything else is charged as it is allocated by <see cref="Options"/>' LimitMemory.
/// </summary>
internal static class JsAllocationGuard
{
    private const string Source = """
        (function (cap) {
          'use strict';
          const tooBig = (bytes) => {
            if (typeof bytes === 'number' && bytes > cap) {
              throw new RangeError('a buffer of ' + bytes + ' bytes exceeds the memory cap of ' + cap + ' bytes');
            }
          };
          const guard = (name, check) => {
            globalThis[name] = new Proxy(globalThis[name], {
              construct(target, args, newTarget) { check(args); return Reflect.construct(target, args, newTarget); },
            });
          };
          for (const name of ['ArrayBuffer', 'SharedArrayBuffer']) {
            guard(name, (args) => { tooBig(args[0]); tooBig(args[1] && args[1].maxByteLength); });
          }
          for (const name of ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array',
                              'Uint32Array', 'Float16Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array']) {
            if (typeof globalThis[name] === 'function') {
              const size = globalThis[name].BYTES_PER_ELEMENT;
              guard(name, (args) => tooBig(typeof args[0] === 'number' ? args[0] * size : undefined));
            }
          }
          for (const method of ['resize', 'transfer', 'transferToFixedLength']) {
            const native = ArrayBuffer.prototype[method];
            if (typeof native === 'function') {
              Object.defineProperty(ArrayBuffer.prototype, method, {
                value: function (length) { tooBig(length); return native.apply(this, arguments); },
                writable: true, configurable: true,
              });
            }
          }
        })
        """;

    private static readonly Prepared<Script> Prepared = Engine.PrepareScript(Source, "platform-guard.js", strict: true);

    public static void Install(Engine engine, long capBytes)
    {
        var install = engine.Evaluate(Prepared);
        engine.Invoke(install, (JsValue)new JsNumber(capBytes));
    }
}
