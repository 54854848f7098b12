using System.Buffers.Binary;
using System.Diagnostics;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>clock_res_get, clock_time_get and poll_oneoff (clock timeouts and descriptor readiness).</summary>
internal static class WasiClockCalls
{
    private const int EventSize = 32;
    private const byte EventClock = 0;
    private const byte EventFdRead = 1;
    private const byte EventFdWrite = 2;
    private const ushort SubclockAbsolute = 1;
    private const int MaxSubscriptions = 4096;

    public static void Define(HostBinder b, bool preview0)
    {
        b.Fn("clock_res_get", (HostCaller caller, int id, int resultPtr) =>
        {
            if (id is < WasiTypes.ClockRealtime or > WasiTypes.ClockThreadCpu)
            {
                return WasiErrno.Inval;
            }

            var state = WasiState.For(WasmCall.Of(caller));
            var resolution = id == WasiTypes.ClockRealtime ? 100UL : (ulong)Math.Max(1, 1_000_000_000 / Stopwatch.Frequency);
            WasiMemory.WriteU64(GuestMemory.Of(caller, "clock_res_get"), "clock_res_get", resultPtr, resolution);
            return WasiErrno.Success;
        });
        b.Fn("clock_time_get", (HostCaller caller, int id, long _, int resultPtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            if (!TryNow(state, id, out var now))
            {
                return WasiErrno.Inval;
            }

            WasiMemory.WriteU64(GuestMemory.Of(caller, "clock_time_get"), "clock_time_get", resultPtr, (ulong)now);
            return WasiErrno.Success;
        });
        b.Fn("poll_oneoff", (HostCaller caller, int inPtr, int outPtr, int count, int eventsPtr) =>
            Poll(caller, preview0, inPtr, outPtr, count, eventsPtr));
    }

    /// <summary>
    /// The process and thread CPU clocks are the invocation's elapsed time: the program is one invocation on one
    /// thread, wall time bounds its CPU time, and it avoids a syscall per read.
    /// </summary>
    private static bool TryNow(WasiState state, int id, out long now)
    {
        now = id switch
        {
            WasiTypes.ClockRealtime => Vfs.NowNs(),
            WasiTypes.ClockMonotonic => ToNs(Stopwatch.GetTimestamp()),
            WasiTypes.ClockProcessCpu or WasiTypes.ClockThreadCpu => ToNs(Stopwatch.GetTimestamp() - state.StartTimestamp),
            _ => -1,
        };
        return now >= 0;
    }

    private static long ToNs(long ticks) => (long)(ticks * (1_000_000_000.0 / Stopwatch.Frequency));

    private static int Poll(HostCaller caller, bool preview0, int inPtr, int outPtr, int count, int eventsPtr)
    {
        if (count <= 0 || count > MaxSubscriptions)
        {
            return WasiErrno.Inval;
        }

        var state = WasiState.For(WasmCall.Of(caller));
        var memory = GuestMemory.Of(caller, "poll_oneoff");
        var size = preview0 ? 56 : 48;
        var subscriptions = GuestMemory.Span(memory, "poll_oneoff", inPtr, count * size).ToArray();
        var events = GuestMemory.Span(memory, "poll_oneoff", outPtr, count * EventSize);
        var written = WriteReadyDescriptors(state, subscriptions, size, events);
        if (written == 0)
        {
            var errno = WaitForClocks(state, preview0, subscriptions, size, events, out written);
            if (errno != WasiErrno.Success)
            {
                return errno;
            }
        }

        WasiMemory.WriteU32(memory, "poll_oneoff", eventsPtr, (uint)written);
        return WasiErrno.Success;
    }

    /// <summary>Our descriptors never block (buffers and memory files), so every fd subscription is ready at once.</summary>
    private static int WriteReadyDescriptors(WasiState state, byte[] subscriptions, int size, Span<byte> events)
    {
        var written = 0;
        for (var offset = 0; offset < subscriptions.Length; offset += size)
        {
            var tag = subscriptions[offset + 8];
            if (tag is not (EventFdRead or EventFdWrite))
            {
                continue;
            }

            var fd = (int)WasiMemory.ReadU32(subscriptions, offset + 16);
            var descriptor = state.Get(fd);
            var errno = descriptor is null ? WasiErrno.BadF : WasiErrno.Success;
            var bytes = descriptor is null ? 0 : tag == EventFdRead ? descriptor.Readable : 0;
            WriteEvent(events[(written++ * EventSize)..], WasiMemory.ReadU64(subscriptions, offset), errno, tag, bytes);
        }

        return written;
    }

    private static int WaitForClocks(WasiState state, bool preview0, byte[] subscriptions, int size, Span<byte> events, out int written)
    {
        written = 0;
        var clockAt = preview0 ? 24 : 16;
        var soonest = long.MaxValue;
        Span<long> remaining = subscriptions.Length / size <= 256 ? stackalloc long[subscriptions.Length / size] : new long[subscriptions.Length / size];
        for (var i = 0; i < remaining.Length; i++)
        {
            var offset = i * size;
            remaining[i] = long.MaxValue;
            if (subscriptions[offset + 8] != EventClock)
            {
                continue;
            }

            var id = (int)WasiMemory.ReadU32(subscriptions, offset + clockAt);
            var timeout = (long)Math.Min(WasiMemory.ReadU64(subscriptions, offset + clockAt + 8), long.MaxValue);
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(subscriptions.AsSpan(offset + clockAt + 24));
            if (!TryNow(state, id, out var now))
            {
                WriteEvent(events[(written++ * EventSize)..], WasiMemory.ReadU64(subscriptions, offset), WasiErrno.Inval, EventClock, 0);
                continue;
            }

            remaining[i] = (flags & SubclockAbsolute) != 0 ? Math.Max(0, timeout - now) : timeout;
            soonest = Math.Min(soonest, remaining[i]);
        }

        if (written > 0 || soonest == long.MaxValue)
        {
            return written > 0 ? WasiErrno.Success : WasiErrno.Inval;
        }

        Sleep(state, soonest);
        for (var i = 0; i < remaining.Length; i++)
        {
            if (remaining[i] <= soonest)
            {
                WriteEvent(events[(written++ * EventSize)..], WasiMemory.ReadU64(subscriptions, i * size), WasiErrno.Success, EventClock, 0);
            }
        }

        return WasiErrno.Success;
    }

    /// <summary>Epoch interruption cannot stop a host-side sleep, so sleeping is capped by the call's deadline.</summary>
    private static void Sleep(WasiState state, long nanoseconds)
    {
        var capMs = (long)state.Guest.Limits.CallTimeoutMs;
        var ms = Math.Min(capMs, nanoseconds / 1_000_000);
        if (ms > 0)
        {
            Thread.Sleep((int)ms);
        }
        else if (nanoseconds > 0)
        {
            Thread.Yield();
        }
    }

    private static void WriteEvent(Span<byte> target, ulong userdata, int errno, byte type, long bytes)
    {
        var span = target[..EventSize];
        span.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(span, userdata);
        BinaryPrimitives.WriteUInt16LittleEndian(span[8..], (ushort)errno);
        span[10] = type;
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], bytes);
    }
}
