namespace MyOwnCluster.Contracts;

/// <summary><c>GET gpu/check</c>: the Vulkan devices this silo sees, which one runs gpu-compute functions, and a test kernel's run.</summary>
public sealed record GpuCheckResult(bool Available, string Message, IReadOnlyList<GpuDeviceWire> Devices, bool TestKernelRan, double TestKernelMs);

/// <summary>One Vulkan physical device: its index (what <c>Gpu:Device</c> may name), name, type, API version, and whether it is in use.</summary>
public sealed record GpuDeviceWire(int Index, string Name, string Type, string ApiVersion, string Driver, long MemoryBytes, bool Selected);
