using Silk.NET.Core.Native;
using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace MyOwnCluster.Execution.Gpu;

/// <summary>
/// One logical device with one compute queue, and what every dispatch shares: the descriptor and pipeline layouts of
/// the binding contract (two storage buffers, 128 bytes of push constants), one command buffer and fence, host-visible
/// memory reused from call to call, and compiled pipelines per tech id. Used by one thread at a time (the engine's queue).
/// </summary>
public sealed unsafe class VulkanDevice : IDisposable
{
    /// <summary>Push constants: the Vulkan minimum of maxPushConstantsSize, 32 integers.</summary>
    public const int PushConstantBytes = 128;

    private readonly Vk vk;
    private readonly Device device;
    private readonly Queue queue;
    private readonly CommandPool commandPool;
    private readonly CommandBuffer commands;
    private readonly Fence fence;
    private readonly DescriptorSetLayout setLayout;
    private readonly PipelineLayout pipelineLayout;
    private readonly DescriptorPool descriptorPool;
    private readonly DescriptorSet descriptorSet;
    private readonly HostMemory input;
    private readonly HostMemory output;
    private readonly Dictionary<string, Kernel> kernels = new(StringComparer.Ordinal);
    private readonly int maxKernels;
    private long uses;

    public VulkanDevice(VulkanInstance instance, PhysicalGpu gpu, int maxKernels)
    {
        vk = instance.Vk;
        Gpu = gpu;
        this.maxKernels = Math.Max(1, maxKernels);
        device = CreateDevice(gpu);
        Queue q;
        vk.GetDeviceQueue(device, gpu.QueueFamily, 0, &q);
        queue = q;
        var poolInfo = new CommandPoolCreateInfo
        {
            SType = StructureType.CommandPoolCreateInfo, QueueFamilyIndex = gpu.QueueFamily, Flags = CommandPoolCreateFlags.ResetCommandBufferBit,
        };
        CommandPool pool;
        GpuException.Check(vk.CreateCommandPool(device, &poolInfo, null, &pool), "vkCreateCommandPool");
        commandPool = pool;
        var allocate = new CommandBufferAllocateInfo
        {
            SType = StructureType.CommandBufferAllocateInfo, CommandPool = pool, Level = CommandBufferLevel.Primary, CommandBufferCount = 1,
        };
        CommandBuffer buffer;
        GpuException.Check(vk.AllocateCommandBuffers(device, &allocate, &buffer), "vkAllocateCommandBuffers");
        commands = buffer;
        var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        Fence f;
        GpuException.Check(vk.CreateFence(device, &fenceInfo, null, &f), "vkCreateFence");
        fence = f;
        (setLayout, pipelineLayout, descriptorPool, descriptorSet) = CreateLayouts();
        var memoryType = HostMemoryType(gpu);
        input = new HostMemory(vk, device, memoryType);
        output = new HostMemory(vk, device, memoryType);
    }

    public PhysicalGpu Gpu { get; }

    /// <summary>Compiled pipelines kept now.</summary>
    public int KernelCount => kernels.Count;

    /// <summary>Whether the device can take these workgroup counts.</summary>
    public string? CheckGroups(uint x, uint y, uint z)
    {
        var limits = Gpu.Limits;
        var max = limits.MaxComputeWorkGroupCount;
        return x == 0 || y == 0 || z == 0 ? "workgroup counts must be at least 1"
            : x > max[0] || y > max[1] || z > max[2] ? $"workgroup counts {x}x{y}x{z} exceed the device's {max[0]}x{max[1]}x{max[2]}"
            : null;
    }

    /// <summary>
    /// Runs one dispatch and waits for it at most <paramref name="timeout"/>: the output buffer's bytes, or null when
    /// the wait timed out (the device is then still busy and must be retired, not reused).
    /// </summary>
    public byte[]? Dispatch(string techId, SpirvModule module, string entryPoint, ReadOnlySpan<byte> inputBytes, int outputBytes,
        (uint X, uint Y, uint Z) groups, ReadOnlySpan<byte> pushConstants, TimeSpan timeout)
    {
        var kernel = GetKernel(techId, module, entryPoint);
        var inputBuffer = CreateBuffer(input, Padded(inputBytes.Length));
        var outputBuffer = CreateBuffer(output, Padded(outputBytes));
        try
        {
            inputBytes.CopyTo(input.Span);
            Bind(inputBuffer, outputBuffer);
            Record(kernel, groups, pushConstants);
            var commandBuffer = commands;
            var submit = new SubmitInfo { SType = StructureType.SubmitInfo, CommandBufferCount = 1, PCommandBuffers = &commandBuffer };
            var f = fence;
            GpuException.Check(vk.ResetFences(device, 1, &f), "vkResetFences");
            GpuException.Check(vk.QueueSubmit(queue, 1, &submit, fence), "vkQueueSubmit");
            var waited = vk.WaitForFences(device, 1, &f, true, (ulong)Math.Max(0, timeout.Ticks) * 100);
            if (waited == Result.Timeout)
            {
                return null;
            }

            GpuException.Check(waited, "vkWaitForFences");
            var result = output.Span[..outputBytes].ToArray();
            // Memory is reused by the next call, of any function: nothing of this one may stay in it.
            input.Span[..(int)inputBuffer.Size].Clear();
            output.Span[..(int)outputBuffer.Size].Clear();
            return result;
        }
        finally
        {
            vk.DestroyBuffer(device, inputBuffer.Handle, null);
            vk.DestroyBuffer(device, outputBuffer.Handle, null);
        }
    }

    /// <summary>Waits, with no limit, until the work submitted last has ended (a retired device, before it is destroyed).</summary>
    public void WaitIdle()
    {
        var f = fence;
        vk.WaitForFences(device, 1, &f, true, ulong.MaxValue);
    }

    /// <summary>Drops the pipeline of a version whose function was deleted.</summary>
    public void Forget(string techId)
    {
        foreach (var key in kernels.Keys.Where(k => k.StartsWith(techId + "/", StringComparison.Ordinal)).ToArray())
        {
            DestroyKernel(kernels[key]);
            kernels.Remove(key);
        }
    }

    public void Dispose()
    {
        foreach (var kernel in kernels.Values)
        {
            DestroyKernel(kernel);
        }

        kernels.Clear();
        input.Dispose();
        output.Dispose();
        vk.DestroyDescriptorPool(device, descriptorPool, null);
        vk.DestroyPipelineLayout(device, pipelineLayout, null);
        vk.DestroyDescriptorSetLayout(device, setLayout, null);
        vk.DestroyFence(device, fence, null);
        vk.DestroyCommandPool(device, commandPool, null);
        vk.DestroyDevice(device, null);
    }

    private static ulong Padded(int bytes) => (ulong)Math.Max(4, (bytes + 3) & ~3);

    private Device CreateDevice(PhysicalGpu gpu)
    {
        PhysicalDeviceFeatures supported;
        vk.GetPhysicalDeviceFeatures(gpu.Handle, &supported);
        // Out-of-bounds accesses of an untrusted shader stay inside its own buffers where the device can promise it.
        var features = new PhysicalDeviceFeatures { RobustBufferAccess = supported.RobustBufferAccess, ShaderInt64 = supported.ShaderInt64 };
        var priority = 1f;
        var queueInfo = new DeviceQueueCreateInfo
        {
            SType = StructureType.DeviceQueueCreateInfo, QueueFamilyIndex = gpu.QueueFamily, QueueCount = 1, PQueuePriorities = &priority,
        };
        var info = new DeviceCreateInfo
        {
            SType = StructureType.DeviceCreateInfo, QueueCreateInfoCount = 1, PQueueCreateInfos = &queueInfo, PEnabledFeatures = &features,
        };
        Device created;
        GpuException.Check(vk.CreateDevice(gpu.Handle, &info, null, &created), "vkCreateDevice");
        return created;
    }

    private (DescriptorSetLayout, PipelineLayout, DescriptorPool, DescriptorSet) CreateLayouts()
    {
        var bindings = stackalloc DescriptorSetLayoutBinding[2];
        for (var i = 0; i < 2; i++)
        {
            bindings[i] = new DescriptorSetLayoutBinding
            {
                Binding = (uint)i, DescriptorType = DescriptorType.StorageBuffer, DescriptorCount = 1, StageFlags = ShaderStageFlags.ComputeBit,
            };
        }

        var setInfo = new DescriptorSetLayoutCreateInfo { SType = StructureType.DescriptorSetLayoutCreateInfo, BindingCount = 2, PBindings = bindings };
        DescriptorSetLayout set;
        GpuException.Check(vk.CreateDescriptorSetLayout(device, &setInfo, null, &set), "vkCreateDescriptorSetLayout");
        var range = new PushConstantRange { StageFlags = ShaderStageFlags.ComputeBit, Offset = 0, Size = PushConstantBytes };
        var layoutInfo = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo, SetLayoutCount = 1, PSetLayouts = &set, PushConstantRangeCount = 1, PPushConstantRanges = &range,
        };
        PipelineLayout layout;
        GpuException.Check(vk.CreatePipelineLayout(device, &layoutInfo, null, &layout), "vkCreatePipelineLayout");
        var size = new DescriptorPoolSize { Type = DescriptorType.StorageBuffer, DescriptorCount = 2 };
        var poolInfo = new DescriptorPoolCreateInfo { SType = StructureType.DescriptorPoolCreateInfo, MaxSets = 1, PoolSizeCount = 1, PPoolSizes = &size };
        DescriptorPool pool;
        GpuException.Check(vk.CreateDescriptorPool(device, &poolInfo, null, &pool), "vkCreateDescriptorPool");
        var allocate = new DescriptorSetAllocateInfo { SType = StructureType.DescriptorSetAllocateInfo, DescriptorPool = pool, DescriptorSetCount = 1, PSetLayouts = &set };
        DescriptorSet descriptors;
        GpuException.Check(vk.AllocateDescriptorSets(device, &allocate, &descriptors), "vkAllocateDescriptorSets");
        return (set, layout, pool, descriptors);
    }

    private uint HostMemoryType(PhysicalGpu gpu)
    {
        PhysicalDeviceMemoryProperties memory;
        vk.GetPhysicalDeviceMemoryProperties(gpu.Handle, &memory);
        var wanted = MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit;
        int? best = null;
        for (var i = 0; i < memory.MemoryTypeCount; i++)
        {
            var flags = memory.MemoryTypes[i].PropertyFlags;
            if ((flags & wanted) == wanted && (best is null || (flags & MemoryPropertyFlags.DeviceLocalBit) != 0))
            {
                best ??= i;
                if ((flags & MemoryPropertyFlags.DeviceLocalBit) != 0)
                {
                    best = i;
                    break;
                }
            }
        }

        return (uint)(best ?? throw new GpuException("the device has no host-visible, coherent memory"));
    }

    private Kernel GetKernel(string techId, SpirvModule module, string entryPoint)
    {
        var key = techId + "/" + entryPoint;
        if (kernels.TryGetValue(key, out var kept))
        {
            kept.LastUse = ++uses;
            return kept;
        }

        if (kernels.Count >= maxKernels)
        {
            var oldest = kernels.MinBy(k => k.Value.LastUse);
            DestroyKernel(oldest.Value);
            kernels.Remove(oldest.Key);
        }

        ShaderModule shader;
        fixed (byte* code = module.Code)
        {
            var info = new ShaderModuleCreateInfo { SType = StructureType.ShaderModuleCreateInfo, CodeSize = (nuint)module.Code.Length, PCode = (uint*)code };
            GpuException.Check(vk.CreateShaderModule(device, &info, null, &shader), "vkCreateShaderModule");
        }

        var name = (byte*)SilkMarshal.StringToPtr(entryPoint);
        try
        {
            var pipelineInfo = new ComputePipelineCreateInfo
            {
                SType = StructureType.ComputePipelineCreateInfo,
                Layout = pipelineLayout,
                Stage = new PipelineShaderStageCreateInfo
                {
                    SType = StructureType.PipelineShaderStageCreateInfo, Stage = ShaderStageFlags.ComputeBit, Module = shader, PName = name,
                },
            };
            Pipeline pipeline;
            var created = vk.CreateComputePipelines(device, default, 1, &pipelineInfo, null, &pipeline);
            if (created != Result.Success)
            {
                vk.DestroyShaderModule(device, shader, null);
                GpuException.Check(created, "vkCreateComputePipelines");
            }

            var kernel = new Kernel(shader, pipeline) { LastUse = ++uses };
            kernels[key] = kernel;
            return kernel;
        }
        finally
        {
            SilkMarshal.Free((nint)name);
        }
    }

    private void DestroyKernel(Kernel kernel)
    {
        vk.DestroyPipeline(device, kernel.Pipeline, null);
        vk.DestroyShaderModule(device, kernel.Shader, null);
    }

    private SizedBuffer CreateBuffer(HostMemory memory, ulong size)
    {
        var info = new BufferCreateInfo { SType = StructureType.BufferCreateInfo, Size = size, Usage = BufferUsageFlags.StorageBufferBit, SharingMode = SharingMode.Exclusive };
        VkBuffer buffer;
        GpuException.Check(vk.CreateBuffer(device, &info, null, &buffer), "vkCreateBuffer");
        MemoryRequirements requirements;
        vk.GetBufferMemoryRequirements(device, buffer, &requirements);
        try
        {
            memory.Ensure(requirements.Size);
            GpuException.Check(vk.BindBufferMemory(device, buffer, memory.Handle, 0), "vkBindBufferMemory");
        }
        catch
        {
            vk.DestroyBuffer(device, buffer, null);
            throw;
        }

        return new SizedBuffer(buffer, size);
    }

    private void Bind(SizedBuffer inputBuffer, SizedBuffer outputBuffer)
    {
        var infos = stackalloc DescriptorBufferInfo[2];
        infos[0] = new DescriptorBufferInfo { Buffer = inputBuffer.Handle, Offset = 0, Range = inputBuffer.Size };
        infos[1] = new DescriptorBufferInfo { Buffer = outputBuffer.Handle, Offset = 0, Range = outputBuffer.Size };
        var writes = stackalloc WriteDescriptorSet[2];
        for (var i = 0; i < 2; i++)
        {
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet, DstSet = descriptorSet, DstBinding = (uint)i, DescriptorCount = 1,
                DescriptorType = DescriptorType.StorageBuffer, PBufferInfo = &infos[i],
            };
        }

        vk.UpdateDescriptorSets(device, 2, writes, 0, null);
    }

    private void Record(Kernel kernel, (uint X, uint Y, uint Z) groups, ReadOnlySpan<byte> pushConstants)
    {
        GpuException.Check(vk.ResetCommandBuffer(commands, 0), "vkResetCommandBuffer");
        var begin = new CommandBufferBeginInfo { SType = StructureType.CommandBufferBeginInfo, Flags = CommandBufferUsageFlags.OneTimeSubmitBit };
        GpuException.Check(vk.BeginCommandBuffer(commands, &begin), "vkBeginCommandBuffer");
        vk.CmdBindPipeline(commands, PipelineBindPoint.Compute, kernel.Pipeline);
        var set = descriptorSet;
        vk.CmdBindDescriptorSets(commands, PipelineBindPoint.Compute, pipelineLayout, 0, 1, &set, 0, null);
        var push = stackalloc byte[PushConstantBytes];
        new Span<byte>(push, PushConstantBytes).Clear();
        pushConstants[..Math.Min(PushConstantBytes, pushConstants.Length)].CopyTo(new Span<byte>(push, PushConstantBytes));
        vk.CmdPushConstants(commands, pipelineLayout, ShaderStageFlags.ComputeBit, 0, PushConstantBytes, push);
        vk.CmdDispatch(commands, groups.X, groups.Y, groups.Z);
        // The host reads the output after the fence: make the shader's writes visible to it.
        var barrier = new MemoryBarrier { SType = StructureType.MemoryBarrier, SrcAccessMask = AccessFlags.ShaderWriteBit, DstAccessMask = AccessFlags.HostReadBit };
        vk.CmdPipelineBarrier(commands, PipelineStageFlags.ComputeShaderBit, PipelineStageFlags.HostBit, 0, 1, &barrier, 0, null, 0, null);
        GpuException.Check(vk.EndCommandBuffer(commands), "vkEndCommandBuffer");
    }

    private sealed class Kernel(ShaderModule shader, Pipeline pipeline)
    {
        public ShaderModule Shader { get; } = shader;

        public Pipeline Pipeline { get; } = pipeline;

        public long LastUse { get; set; }
    }

    private readonly record struct SizedBuffer(VkBuffer Handle, ulong Size);

    /// <summary>Host-visible, coherent memory kept mapped; it grows to the largest buffer asked for and is all zeros between calls.</summary>
    private sealed class HostMemory(Vk vk, Device device, uint memoryType) : IDisposable
    {
        private ulong capacity;
        private byte* mapped;

        public DeviceMemory Handle { get; private set; }

        public Span<byte> Span => new(mapped, (int)capacity);

        public void Ensure(ulong size)
        {
            if (size <= capacity)
            {
                return;
            }

            Dispose();
            var grown = Math.Max(64UL * 1024, System.Numerics.BitOperations.RoundUpToPowerOf2(size));
            var info = new MemoryAllocateInfo { SType = StructureType.MemoryAllocateInfo, AllocationSize = grown, MemoryTypeIndex = memoryType };
            DeviceMemory memory;
            GpuException.Check(vk.AllocateMemory(device, &info, null, &memory), "vkAllocateMemory");
            void* pointer;
            var mappedResult = vk.MapMemory(device, memory, 0, grown, 0, &pointer);
            if (mappedResult != Result.Success)
            {
                vk.FreeMemory(device, memory, null);
                GpuException.Check(mappedResult, "vkMapMemory");
            }

            Handle = memory;
            mapped = (byte*)pointer;
            capacity = grown;
            Span.Clear();
        }

        public void Dispose()
        {
            if (capacity == 0)
            {
                return;
            }

            vk.UnmapMemory(device, Handle);
            vk.FreeMemory(device, Handle, null);
            capacity = 0;
            mapped = null;
        }
    }
}
