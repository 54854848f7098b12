using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace MyOwnCluster.Execution.Gpu;

/// <summary>A Vulkan instance and the physical devices it sees (Mesa's lavapipe is one when mesa-vulkan-drivers is installed).</summary>
public sealed unsafe partial class VulkanInstance : IDisposable
{
    private const uint ApiVersion11 = (1u << 22) | (1u << 12);

    private VulkanInstance(Vk vk, Instance handle)
    {
        Vk = vk;
        Handle = handle;
    }

    internal Vk Vk { get; }

    internal Instance Handle { get; }

    /// <summary>A new instance; throws <see cref="GpuException"/> when there is no Vulkan loader or driver.</summary>
    public static VulkanInstance Create()
    {
        // Mesa's drivers (lavapipe among them) otherwise run a submission inside vkQueueSubmit: the call would return
        // only when the kernel ends, and a fence wait could never time out. Set before any device exists; natively,
        // as the driver reads the C environment, which Environment.SetEnvironmentVariable does not change.
        Native.SetEnv("MESA_VK_ENABLE_SUBMIT_THREAD", "1", 0);
        Vk vk;
        try
        {
            vk = Vk.GetApi();
        }
        catch (Exception e) when (e is DllNotFoundException or FileNotFoundException or EntryPointNotFoundException)
        {
            throw new GpuException($"no Vulkan loader (Debian: libvulkan1): {e.Message}");
        }

        var name = (byte*)SilkMarshal.StringToPtr("MyOwnCluster");
        try
        {
            var app = new ApplicationInfo { SType = StructureType.ApplicationInfo, PApplicationName = name, PEngineName = name, ApiVersion = ApiVersion11 };
            var info = new InstanceCreateInfo { SType = StructureType.InstanceCreateInfo, PApplicationInfo = &app };
            Instance instance;
            GpuException.Check(vk.CreateInstance(&info, null, &instance), "vkCreateInstance");
            return new VulkanInstance(vk, instance);
        }
        finally
        {
            SilkMarshal.Free((nint)name);
        }
    }

    /// <summary>The physical devices that can run compute shaders (Vulkan 1.1 or later), in the driver's order.</summary>
    public IReadOnlyList<PhysicalGpu> Devices()
    {
        uint count = 0;
        GpuException.Check(Vk.EnumeratePhysicalDevices(Handle, &count, null), "vkEnumeratePhysicalDevices");
        var handles = new PhysicalDevice[count];
        fixed (PhysicalDevice* pointer = handles)
        {
            GpuException.Check(Vk.EnumeratePhysicalDevices(Handle, &count, pointer), "vkEnumeratePhysicalDevices");
        }

        var devices = new List<PhysicalGpu>();
        for (var i = 0; i < handles.Length; i++)
        {
            PhysicalDeviceProperties properties;
            Vk.GetPhysicalDeviceProperties(handles[i], &properties);
            PhysicalDeviceMemoryProperties memory;
            Vk.GetPhysicalDeviceMemoryProperties(handles[i], &memory);
            long heap = 0;
            for (var h = 0; h < memory.MemoryHeapCount; h++)
            {
                heap = Math.Max(heap, (long)memory.MemoryHeaps[h].Size);
            }

            var family = ComputeFamily(handles[i]);
            if (family is null || properties.ApiVersion < ApiVersion11)
            {
                continue;
            }

            devices.Add(new PhysicalGpu(i, handles[i], family.Value, SilkMarshal.PtrToString((nint)properties.DeviceName) ?? "?",
                properties.DeviceType, properties.ApiVersion, properties.DriverVersion, heap, properties.Limits));
        }

        return devices;
    }

    /// <summary>The device <paramref name="choice"/> names (an index or part of a name); empty: discrete, integrated, then any.</summary>
    public static PhysicalGpu? Choose(IReadOnlyList<PhysicalGpu> devices, string? choice)
    {
        if (!string.IsNullOrWhiteSpace(choice))
        {
            return int.TryParse(choice, out var index)
                ? devices.FirstOrDefault(d => d.Index == index)
                : devices.FirstOrDefault(d => d.Name.Contains(choice.Trim(), StringComparison.OrdinalIgnoreCase));
        }

        return devices.OrderBy(d => d.Type switch
        {
            PhysicalDeviceType.DiscreteGpu => 0,
            PhysicalDeviceType.IntegratedGpu => 1,
            PhysicalDeviceType.VirtualGpu => 2,
            PhysicalDeviceType.Cpu => 3,
            _ => 4,
        }).FirstOrDefault();
    }

    public void Dispose() => Vk.DestroyInstance(Handle, null);

    private uint? ComputeFamily(PhysicalDevice device)
    {
        uint count = 0;
        Vk.GetPhysicalDeviceQueueFamilyProperties(device, &count, null);
        var families = new QueueFamilyProperties[count];
        fixed (QueueFamilyProperties* pointer = families)
        {
            Vk.GetPhysicalDeviceQueueFamilyProperties(device, &count, pointer);
        }

        for (var i = 0u; i < count; i++)
        {
            if ((families[i].QueueFlags & QueueFlags.ComputeBit) != 0)
            {
                return i;
            }
        }

        return null;
    }

    private static partial class Native
    {
        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = System.Runtime.InteropServices.StringMarshalling.Utf8)]
        public static partial int SetEnv(string name, string value, int overwrite);
    }
}

/// <summary>A physical device able to run compute work: where it sits in the instance's list and what it offers.</summary>
public sealed record PhysicalGpu(
    int Index, PhysicalDevice Handle, uint QueueFamily, string Name, PhysicalDeviceType Type, uint ApiVersion, uint DriverVersion,
    long MemoryBytes, PhysicalDeviceLimits Limits)
{
    public string TypeName => Type switch
    {
        PhysicalDeviceType.DiscreteGpu => "discrete-gpu",
        PhysicalDeviceType.IntegratedGpu => "integrated-gpu",
        PhysicalDeviceType.VirtualGpu => "virtual-gpu",
        PhysicalDeviceType.Cpu => "cpu",
        _ => "other",
    };

    public string ApiVersionText => $"{ApiVersion >> 22}.{(ApiVersion >> 12) & 0x3ff}.{ApiVersion & 0xfff}";
}

/// <summary>A Vulkan call that failed, with the call and its result code.</summary>
public sealed class GpuException(string message, Result result = Result.ErrorUnknown) : Exception(message)
{
    public Result Result { get; } = result;

    public bool DeviceLost => Result == Result.ErrorDeviceLost;

    public static void Check(Result result, string call)
    {
        if (result != Result.Success)
        {
            throw new GpuException($"{call} failed: {result}", result);
        }
    }
}
