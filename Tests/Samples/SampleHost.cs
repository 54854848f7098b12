using System.Text;
using Wasmtime;

namespace MyOwnCluster.Tests.Samples;

/// <summary>
/// A minimal, independent host for the `my-own-cluster` functions the samples use: it runs a sample once with an
/// input body and captures the output buffer, so the samples' behaviour is checked without the server.
/// </summary>
public sealed class SampleHost : IDisposable
{
    private const int InputId = 1;
    private const int OutputId = 2;

    private readonly Engine engine = new();
    private readonly byte[] input;

    private SampleHost(byte[] input) => this.input = input;

    public MemoryStream Output { get; } = new();

    public Dictionary<string, string> OutputHeaders { get; } = new(StringComparer.OrdinalIgnoreCase);

    public StringBuilder Log { get; } = new();

    public static SampleHost Run(string wasmFile, string startFunction, string inputBody, out int result)
    {
        var host = new SampleHost(Encoding.UTF8.GetBytes(inputBody));
        using var module = Module.FromFile(host.engine, wasmFile);
        using var linker = host.CreateLinker();
        using var store = new Store(host.engine);
        var instance = linker.Instantiate(store, module);
        result = instance.GetFunction<int>(startFunction)!.Invoke();
        return host;
    }

    public void Dispose()
    {
        engine.Dispose();
        Output.Dispose();
    }

    private Linker CreateLinker()
    {
        const string Api = "my-own-cluster";
        var linker = new Linker(engine);
        linker.DefineFunction(Api, "get_input_buffer_id", () => InputId);
        linker.DefineFunction(Api, "get_output_buffer_id", () => OutputId);
        linker.DefineFunction(Api, "get_buffer_size", (int id) => id == InputId ? input.Length : id == OutputId ? (int)Output.Length : -1);
        linker.DefineFunction(Api, "get_buffer", (Caller caller, int id, int ptr, int len) =>
        {
            var bytes = id == InputId ? input : Output.ToArray();
            var count = Math.Min(len, bytes.Length);
            bytes.AsSpan(0, count).CopyTo(Memory(caller).GetSpan(ptr, count));
            return count;
        });
        linker.DefineFunction(Api, "write_buffer", (Caller caller, int id, int ptr, int len) =>
        {
            Assert.Equal(OutputId, id);
            Output.Write(Memory(caller).GetSpan(ptr, len));
            return len;
        });
        linker.DefineFunction(Api, "write_buffer_header", (Caller caller, int id, int namePtr, int nameLen, int valuePtr, int valueLen) =>
        {
            Assert.Equal(OutputId, id);
            var memory = Memory(caller);
            OutputHeaders[memory.ReadString(namePtr, nameLen, Encoding.UTF8)] = memory.ReadString(valuePtr, valueLen, Encoding.UTF8);
            return 0;
        });
        linker.DefineFunction(Api, "print_debug", (Caller caller, int ptr, int len) =>
        {
            Log.AppendLine(Memory(caller).ReadString(ptr, len, Encoding.UTF8));
            return 0;
        });
        return linker;
    }

    private static Memory Memory(Caller caller) =>
        caller.GetMemory("memory") ?? throw new InvalidOperationException("the sample exports no memory");
}
