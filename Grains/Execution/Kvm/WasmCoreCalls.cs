using System.Buffers.Binary;
using System.Text;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution.Kvm.WasmGuest;
using MyOwnCluster.KeyValue;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// The <c>core</c> imports of translated wasm that the kvm-elf hypercalls do not cover (key-value, call_function,
/// two-call reads, status codes, time), served from one hypercall whose pointers are offsets into the module's linear
/// memory, checked against it exactly as Wasmtime's host functions check theirs.
/// </summary>
internal static class WasmCoreCalls
{
    private const int Failure = -1;
    private const int MaxCallArguments = 1000;
    private const int BlockBytes = (4 + 14) * 8;

    public static uint Dispatch(GuestRam ram, GuestContext guest, ulong block)
    {
        var words = ram.Read("core", block, BlockBytes).ToArray();
        ulong Word(int i) => BinaryPrimitives.ReadUInt64LittleEndian(words.AsSpan(i * 8));
        var function = (WasmCoreFunction)Word(0);
        var memory = new LinearMemory(ram, Word(1), Word(2));
        var a = new int[Math.Min((int)Math.Min(Word(3), 14UL), 14)];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = unchecked((int)Word(4 + i));
        }

        return unchecked((uint)Call(function, a, memory, guest));
    }

    private static int Call(WasmCoreFunction function, int[] a, LinearMemory m, GuestContext guest) => function switch
    {
        WasmCoreFunction.PersistenceSet when a.Length == 4 =>
            GuestKeyValue.Set(guest, m.Read("persistence_set", a[0], a[1]), m.Read("persistence_set", a[2], a[3])),
        WasmCoreFunction.PersistenceGet when a.Length == 2 => GuestKeyValue.Get(guest, m.Read("persistence_get", a[0], a[1])),
        WasmCoreFunction.PersistenceGetSubset when a.Length == 2 =>
            GuestKeyValue.GetSubset(guest, m.Read("persistence_get_subset", a[0], a[1])),
        WasmCoreFunction.PersistenceDelete when a.Length == 2 => GuestKeyValue.Delete(guest, m.Read("persistence_delete", a[0], a[1])),
        WasmCoreFunction.PersistenceNsSet when a.Length == 6 => GuestKeyValue.Set(guest, m.Read("persistence_ns_set", a[2], a[3]),
            m.Read("persistence_ns_set", a[4], a[5]), m.String("persistence_ns_set", a[0], a[1])),
        WasmCoreFunction.PersistenceNsGet when a.Length == 4 =>
            GuestKeyValue.Get(guest, m.Read("persistence_ns_get", a[2], a[3]), m.String("persistence_ns_get", a[0], a[1])),
        WasmCoreFunction.PersistenceNsGetSubset when a.Length == 4 => GuestKeyValue.GetSubset(guest,
            m.Read("persistence_ns_get_subset", a[2], a[3]), m.String("persistence_ns_get_subset", a[0], a[1])),
        WasmCoreFunction.PersistenceNsDelete when a.Length == 4 =>
            GuestKeyValue.Delete(guest, m.Read("persistence_ns_delete", a[2], a[3]), m.String("persistence_ns_delete", a[0], a[1])),
        WasmCoreFunction.CallFunction when a.Length == 14 => CallFunction(a, m, guest),
        WasmCoreFunction.ReadExchangeBuffer when a.Length == 3 => ReadExchangeBuffer(guest, m, a[0], a[1], a[2]),
        WasmCoreFunction.WriteStatusCode when a.Length == 2 => guest.TrySetStatusCode("write_exchange_buffer_status_code", a[0], a[1]) ? 0 : Failure,
        WasmCoreFunction.ReadHeaders when a.Length == 1 => guest.FindBuffer("read_exchange_buffer_headers", a[0]) is { } buffer
            ? guest.RegisterBuffer(ExchangeBuffer.EncodeMap(buffer.Headers))
            : 0,
        WasmCoreFunction.GetTime when a.Length == 2 => GetTime(guest, m, a[0], a[1]),
        _ => throw new HypercallFault($"unknown core function {(int)function} with {a.Length} arguments (see moc_wasm_rt.h)"),
    };

    private static int CallFunction(int[] a, LinearMemory m, GuestContext guest)
    {
        const string hostFunction = "call_function";
        var count = a[5];
        if ((uint)count > MaxCallArguments)
        {
            guest.LogGuestError(hostFunction, $"{count} arguments is more than {MaxCallArguments}");
            return Failure;
        }

        var bytes = m.Read(hostFunction, a[4], count * 4);
        var arguments = new long[count];
        for (var i = 0; i < count; i++)
        {
            arguments[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes[(i * 4)..]);
        }

        return unchecked((int)GuestCalls.CallFunction(guest, m.String(hostFunction, a[0], a[1]), m.String(hostFunction, a[2], a[3]),
            arguments, m.String(hostFunction, a[6], a[7]), a[8], a[9], m.String(hostFunction, a[10], a[11]),
            GuestCalls.SplitNulSeparated(m.Read(hostFunction, a[12], a[13]))));
    }

    /// <summary>The two-call convention: the full size always, the bytes only when the destination holds them.</summary>
    private static int ReadExchangeBuffer(GuestContext guest, LinearMemory m, int id, int pointer, int length)
    {
        var buffer = guest.FindBuffer("read_exchange_buffer", id);
        if (buffer is null)
        {
            return Failure;
        }

        if ((uint)length >= (uint)buffer.Length && buffer.Length > 0)
        {
            buffer.Body[..buffer.Length].CopyTo(m.Write("read_exchange_buffer", pointer, buffer.Length));
        }

        return buffer.Length;
    }

    private static int GetTime(GuestContext guest, LinearMemory m, int pointer, int length)
    {
        if ((uint)length < 8)
        {
            guest.LogGuestError("get_time", "destination shorter than 8 bytes");
            return Failure;
        }

        var nanoseconds = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        BinaryPrimitives.WriteInt64LittleEndian(m.Write("get_time", pointer, 8), nanoseconds);
        return 0;
    }

    /// <summary>The module's linear memory inside guest RAM: wasm pointers are offsets, checked against its size.</summary>
    private readonly ref struct LinearMemory(GuestRam ram, ulong address, ulong size)
    {
        private readonly GuestRam ram = ram;

        public ReadOnlySpan<byte> Read(string hostFunction, int pointer, int length) => ram.Read(hostFunction, Check(hostFunction, pointer, length), (uint)length);

        public Span<byte> Write(string hostFunction, int pointer, int length) => ram.Write(hostFunction, Check(hostFunction, pointer, length), (uint)length);

        public string String(string hostFunction, int pointer, int length) => Encoding.UTF8.GetString(Read(hostFunction, pointer, length));

        private ulong Check(string hostFunction, int pointer, int length)
        {
            var (start, count) = ((uint)pointer, (uint)length);
            if (count != 0 && start + (ulong)count > size)
            {
                throw new HypercallFault($"trap: {hostFunction}: guest pointer {start}+{count} is outside the guest's memory ({size} bytes)");
            }

            return address + start;
        }
    }
}
