using Acornima.Ast;
using Jint;
using Jint.Native;
using Jint.Runtime;
using Jint.Runtime.Descriptors;

namespace MyOwnCluster.Execution.Js;

/// <summary>
/// Binary buffers are allocated whole by one statement (<c>new Uint8Array(2 ** 30)</c>), before Jint's per-statement
/// memory check can see them; on a shared silo that spike is the danger. The guard refuses explicit buffer sizes over
/// the memory cap with a RangeError up front: the buffer constructors (and their <c>prototype.constructor</c>, which
/// species lookups use) become proxies that check the size, and ArrayBuffer's resize/transfer check theirs. They are
/// installed lazily (a call that never touches a buffer pays nothing); SharedArrayBuffer is removed (one agent, no
/// sharing). Everything else is charged as it is allocated by the engine's memory limit.
/// </summary>
internal sealed class JsAllocationGuard(Engine engine, long capBytes)
{
    private const string MakerSource = """
        (function (cap, NativeArrayBuffer) {
          'use strict';
          const tooBig = (bytes) => {
            if (typeof bytes === 'number' && bytes > cap) {
              throw new RangeError('a buffer of ' + bytes + ' bytes exceeds the memory cap of ' + cap + ' bytes');
            }
          };
          for (const method of ['resize', 'transfer', 'transferToFixedLength']) {
            const native = NativeArrayBuffer.prototype[method];
            if (typeof native === 'function') {
              Object.defineProperty(NativeArrayBuffer.prototype, method, {
                value: function (length) { tooBig(length); return native.apply(this, arguments); },
                writable: true, configurable: true,
              });
            }
          }
          return (native, bytesPerElement) => {
            const guarded = new Proxy(native, {
              construct(target, args, newTarget) {
                if (bytesPerElement === 0) {
                  tooBig(args[0]);
                  tooBig(args[1] && args[1].maxByteLength);
                } else if (typeof args[0] === 'number') {
                  tooBig(args[0] * bytesPerElement);
                }
                return Reflect.construct(target, args, newTarget);
              },
            });
            Object.defineProperty(native.prototype, 'constructor', { value: guarded, writable: true, configurable: true });
            return guarded;
          };
        })
        """;

    private static readonly Prepared<Script> Maker = Engine.PrepareScript(MakerSource, "platform-guard.js", strict: true);

    private static readonly (string Name, int BytesPerElement, Func<Intrinsics, JsValue> Native)[] Constructors =
    [
        ("ArrayBuffer", 0, i => i.ArrayBuffer),
        ("Int8Array", 1, i => i.Int8Array),
        ("Uint8Array", 1, i => i.Uint8Array),
        ("Uint8ClampedArray", 1, i => i.Uint8ClampedArray),
        ("Int16Array", 2, i => i.Int16Array),
        ("Uint16Array", 2, i => i.Uint16Array),
        ("Float16Array", 2, i => i.Float16Array),
        ("Int32Array", 4, i => i.Int32Array),
        ("Uint32Array", 4, i => i.Uint32Array),
        ("Float32Array", 4, i => i.Float32Array),
        ("Float64Array", 8, i => i.Float64Array),
        ("BigInt64Array", 8, i => i.BigInt64Array),
        ("BigUint64Array", 8, i => i.BigUint64Array),
    ];

    private readonly Dictionary<string, JsValue> guarded = new(StringComparer.Ordinal);
    private JsValue? wrap;

    public void Install()
    {
        engine.Global.Delete("SharedArrayBuffer");
        foreach (var (name, _, _) in Constructors)
        {
            engine.Advanced.AddLazyGlobal(name, this, (_, guard) => guard.Guarded(name), PropertyFlag.NonEnumerable);
        }
    }

    /// <summary>Arms Uint8Array before the API hands one out: its buffer and constructor must be guarded too.</summary>
    public void BeforeUint8Array() => Guarded("Uint8Array");

    private JsValue Guarded(string name)
    {
        if (guarded.TryGetValue(name, out var done))
        {
            return done;
        }

        wrap ??= engine.Invoke(engine.Evaluate(Maker), (JsValue)new JsNumber(capBytes), engine.Intrinsics.ArrayBuffer);
        if (name != "ArrayBuffer")
        {
            Guarded("ArrayBuffer");
        }

        var (_, bytesPerElement, native) = Array.Find(Constructors, c => c.Name == name);
        var proxy = engine.Invoke(wrap, native(engine.Intrinsics), (JsValue)new JsNumber(bytesPerElement));
        guarded[name] = proxy;
        return proxy;
    }
}
