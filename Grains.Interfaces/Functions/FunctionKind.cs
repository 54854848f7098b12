namespace MyOwnCluster.Functions;

/// <summary>How a registered blob runs; derived from its content type.</summary>
public enum FunctionKind
{
    /// <summary>Not executable: a published file.</summary>
    File = 0,
    Wasm = 1,
    KvmElf = 2,
    Js = 3,

    /// <summary>A Vulkan compute shader (SPIR-V; GLSL is compiled at registration).</summary>
    GpuCompute = 4,
}

/// <summary>Where a wasm function runs: Wasmtime in the silo's process, or translated to native code in a KVM micro-VM.</summary>
public enum FunctionIsolation
{
    /// <summary>The kind's own engine (Wasmtime for wasm).</summary>
    Default = 0,

    /// <summary>Wasm translated to a native guest and run in a KVM micro-VM: the wasm sandbox inside a hardware VM.</summary>
    Kvm = 1,
}

/// <summary>Maps content types to function kinds.</summary>
public static class ContentTypes
{
    public const string Wasm = "application/wasm";
    public const string Elf = "application/x-elf";
    public const string MocKvm = "application/x-moc-kvm";
    public const string JavaScript = "text/javascript";
    public const string JavaScriptApplication = "application/javascript";
    public const string GlslCompute = "text/x-glsl-compute";
    public const string Spirv = "application/spirv";

    public static FunctionKind KindOf(string contentType)
    {
        var mediaType = contentType.Split(';', 2)[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            Wasm => FunctionKind.Wasm,
            Elf or MocKvm => FunctionKind.KvmElf,
            JavaScript or JavaScriptApplication => FunctionKind.Js,
            GlslCompute or Spirv => FunctionKind.GpuCompute,
            _ => FunctionKind.File,
        };
    }
}
