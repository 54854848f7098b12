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
    public static void Define(Linker linker, string module, bool preview0)
    {
        linker.DefineFunction(module, "args_sizes_get", (Caller caller, int countPtr, int sizePtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            return Sizes(caller, "args_sizes_get", state.ArgumentOffsets, state.Arguments, countPtr, sizePtr);
        });
        linker.DefineFunction(module, "args_get", (Caller caller, int pointersPtr, int bufferPtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            return Strings(caller, "args_get", state.ArgumentOffsets, state.Arguments, pointersPtr, bufferPtr);
        });
        linker.DefineFunction(module, "environ_sizes_get", (Caller caller, int countPtr, int sizePtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            return Sizes(caller, "environ_sizes_get", state.EnvironmentOffsets, state.Environment, countPtr, sizePtr);
        });
        linker.DefineFunction(module, "environ_get", (Caller caller, int pointersPtr, int bufferPtr) =>
        {
            var state = WasiState.For(WasmCall.Of(caller));
            return Strings(caller, "environ_get", state.EnvironmentOffsets, state.Environment, pointersPtr, bufferPtr);
        });
        linker.DefineFunction(module, "random_get", (Caller caller, int ptr, int len) =>
        {
            var memory = GuestMemory.Of(caller, "random_get");
            RandomNumberGenerator.Fill(GuestMemory.Span(memory, "random_get", ptr, len));
            return WasiErrno.Success;
        });
        linker.DefineFunction(module, "sched_yield", (Caller _) => WasiErrno.Success);
        linker.DefineFunction(module, "proc_exit", (Caller caller, int code) =>
        {
            WasmCall.Of(caller).ExitCode = code;
            throw new WasiExitException(code);
        });
        linker.DefineFunction(module, "proc_raise", (Caller _, int _) => WasiErrno.NoSys);
        DefineSockets(linker, module, preview0);
    }

    private static void DefineSockets(Linker linker, string module, bool preview0)
    {
        if (!preview0)
        {
            linker.DefineFunction(module, "sock_accept", (Caller caller, int fd, int _, int _) => NotASocket(caller, fd));
        }

        linker.DefineFunction(module, "sock_recv", (Caller caller, int fd, int _, int _, int _, int _, int _) => NotASocket(caller, fd));
        linker.DefineFunction(module, "sock_send", (Caller caller, int fd, int _, int _, int _, int _) => NotASocket(caller, fd));
        linker.DefineFunction(module, "sock_shutdown", (Caller caller, int fd, int _) => NotASocket(caller, fd));
    }

    /// <summary>
    /// A program never holds a socket (none are preopened, none can be created): ENOTSOCK for byte streams and files.
    /// A directory is not a stream at all, so like an unknown fd it is EBADF (Wasmtime answers the same).
    /// </summary>
    private static int NotASocket(Caller caller, int fd) =>
        WasiState.For(WasmCall.Of(caller)).Get(fd) is null or WasiDirectoryFd ? WasiErrno.BadF : WasiErrno.NotSock;

    private static int Sizes(Caller caller, string hostFunction, int[] offsets, byte[] blob, int countPtr, int sizePtr)
    {
        var memory = GuestMemory.Of(caller, hostFunction);
        WasiMemory.WriteU32(memory, hostFunction, countPtr, (uint)offsets.Length);
        WasiMemory.WriteU32(memory, hostFunction, sizePtr, (uint)blob.Length);
        return WasiErrno.Success;
    }

    private static int Strings(Caller caller, string hostFunction, int[] offsets, byte[] blob, int pointersPtr, int bufferPtr)
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
