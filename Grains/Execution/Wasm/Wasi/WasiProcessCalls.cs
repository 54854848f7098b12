using System.Security.Cryptography;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm.Wasi;

/// <summary>Thrown by proc_exit to unwind the guest; WasmInvocation turns the trap into a normal completion.</summary>
public sealed class WasiExitException(int code) : Exception($"proc_exit({code})")
{
    public int Code { get; } = code;
}

/// <summary>argv, environ, randomness, scheduling, process exit and the socket calls (no sockets are ever open).</summary>
internal static class WasiProcessCalls
{
    public static void Define(HostBinder b, bool preview0)
    {
        b.Fn("args_sizes_get", (HostCaller caller, int countPtr, int sizePtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            return Sizes(caller, "args_sizes_get", state.ArgumentOffsets, state.Arguments, countPtr, sizePtr);
        });
        b.Fn("args_get", (HostCaller caller, int pointersPtr, int bufferPtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            return Strings(caller, "args_get", state.ArgumentOffsets, state.Arguments, pointersPtr, bufferPtr);
        });
        b.Fn("environ_sizes_get", (HostCaller caller, int countPtr, int sizePtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            return Sizes(caller, "environ_sizes_get", state.EnvironmentOffsets, state.Environment, countPtr, sizePtr);
        });
        b.Fn("environ_get", (HostCaller caller, int pointersPtr, int bufferPtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            return Strings(caller, "environ_get", state.EnvironmentOffsets, state.Environment, pointersPtr, bufferPtr);
        });
        b.Fn("random_get", (HostCaller caller, int ptr, int len) =>
        {
            var memory = GuestMemory.Of(caller, "random_get");
            RandomNumberGenerator.Fill(GuestMemory.Span(memory, "random_get", ptr, len));
            return WasiErrno.Success;
        });
        b.Fn("sched_yield", (HostCaller _) => WasiErrno.Success);
        b.Void("proc_exit", (HostCaller caller, int code) =>
        {
            WasmCall.Of(caller).ExitCode = code;
            throw new WasiExitException(code);
        });
        b.Fn("proc_raise", (HostCaller _, int _) => WasiErrno.NoSys);
        DefineSockets(b, preview0);
    }

    private static void DefineSockets(HostBinder b, bool preview0)
    {
        if (!preview0)
        {
            b.Fn("sock_accept", (HostCaller caller, int fd, int _, int _) => NotASocket(caller, fd));
        }

        b.Fn("sock_recv", (HostCaller caller, int fd, int _, int _, int _, int _, int _) => NotASocket(caller, fd));
        b.Fn("sock_send", (HostCaller caller, int fd, int _, int _, int _, int _) => NotASocket(caller, fd));
        b.Fn("sock_shutdown", (HostCaller caller, int fd, int _) => NotASocket(caller, fd));
    }

    /// <summary>
    /// A program never holds a socket (none are preopened, none can be created): ENOTSOCK for byte streams and files.
    /// A directory is not a stream at all, so like an unknown fd it is EBADF (Wasmtime answers the same).
    /// </summary>
    private static int NotASocket(HostCaller caller, int fd) =>
        WasiState.For(WasmCall.Of(caller)).Get(fd) is null or WasiDirectoryFd ? WasiErrno.BadF : WasiErrno.NotSock;

    private static int Sizes(HostCaller caller, string hostFunction, int[] offsets, byte[] blob, int countPtr, int sizePtr)
    {
        var memory = GuestMemory.Of(caller, hostFunction);
        WasiMemory.WriteU32(memory, hostFunction, countPtr, (uint)offsets.Length);
        WasiMemory.WriteU32(memory, hostFunction, sizePtr, (uint)blob.Length);
        return WasiErrno.Success;
    }

    private static int Strings(HostCaller caller, string hostFunction, int[] offsets, byte[] blob, int pointersPtr, int bufferPtr)
    {
        var memory = GuestMemory.Of(caller, hostFunction);
        var pointers = GuestMemory.Span(memory, hostFunction, pointersPtr, offsets.Length * 4);
        for (var i = 0; i < offsets.Length; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(pointers[(i * 4)..], (uint)(bufferPtr + offsets[i]));
        }

        blob.CopyTo(GuestMemory.Span(memory, hostFunction, bufferPtr, blob.Length));
        return WasiErrno.Success;
    }
}
