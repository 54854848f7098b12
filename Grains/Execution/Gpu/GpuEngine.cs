using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Execution.Gpu;

/// <summary>
/// The silo's gpu-compute engine: Vulkan compute shaders on the device <see cref="GpuOptions.Device"/> names (Mesa's
/// lavapipe on the CPU when there is no GPU). One instance and one device per silo; every dispatch goes through one
/// <see cref="FairQueue"/> to the device's one queue, and the device is used on the queue's worker thread only. A
/// dispatch that runs past its deadline retires the worker with its device (destroyed once the kernel ends) and the
/// next call gets a new one. Without a Vulkan device it still validates and compiles shaders, and answers every call
/// with Unavailable.
/// </summary>
public sealed class GpuEngine : IFunctionEngine, IDisposable
{
    /// <summary>Workgroup counts x, y, z, then push constants.</summary>
    public const int MaxArguments = 3 + VulkanDevice.PushConstantBytes / 4;

    private const string DefaultEntryPoint = "main";

    /// <summary>How much later than the fence wait the caller gives up on its own.</summary>
    private const int FenceGraceMs = 100;
    private readonly ExecutionOptions limits;
    private readonly GpuOptions options;
    private readonly ILogger logger;
    private readonly VulkanInstance? instance;
    private readonly IReadOnlyList<PhysicalGpu> devices = [];
    private readonly PhysicalGpu? selected;
    private readonly string? unavailable;
    private readonly FairQueue? queue;
    private readonly VersionCache<SpirvModule> modules;
    /// <summary>The device of the queue worker this thread is (each worker has its own, created on first use).</summary>
    [ThreadStatic]
    private static VulkanDevice? device;

    private int devicesCreated;
    private int devicesRetired;
    private int devicesDestroyed;

    public GpuEngine(IOptions<ExecutionOptions> limits, IOptions<GpuOptions> options, ILogger<GpuEngine> logger)
    {
        this.limits = limits.Value;
        this.options = options.Value;
        this.logger = logger;
        modules = new VersionCache<SpirvModule>(Math.Max(1, this.limits.CachedVersions));
        if (!this.options.Enabled)
        {
            unavailable = "the GPU engine is disabled on this silo (Gpu:Enabled is false)";
        }
        else
        {
            try
            {
                instance = VulkanInstance.Create();
                devices = instance.Devices();
                selected = VulkanInstance.Choose(devices, this.options.Device);
                unavailable = selected is not null ? null
                    : devices.Count == 0 ? "no Vulkan device on this silo (Debian: mesa-vulkan-drivers for lavapipe on the CPU)"
                    : $"no Vulkan device matches Gpu:Device '{this.options.Device}' (there are: {string.Join(", ", devices.Select(d => $"{d.Index} {d.Name}"))})";
            }
            catch (GpuException e)
            {
                unavailable = $"Vulkan is not available on this silo: {e.Message}";
            }
        }

        if (selected is null)
        {
            logger.LogWarning("No GPU engine on this silo: {Reason}; gpu-compute functions will answer Unavailable", unavailable);
            return;
        }

        queue = new FairQueue("moc-gpu-queue", RetireDevice);
        logger.LogInformation("GPU engine ready on {Device} ({Type}, Vulkan {Api})", selected.Name, selected.TypeName, selected.ApiVersionText);
    }

    public FunctionKind Kind => FunctionKind.GpuCompute;

    public bool IsAvailable => selected is not null;

    /// <summary>Why this silo runs no gpu-compute function; null when it does.</summary>
    public string? UnavailableReason => unavailable;

    /// <summary>The device gpu-compute functions run on, null without one.</summary>
    public PhysicalGpu? Device => selected;

    /// <summary>Every Vulkan device this silo sees.</summary>
    public IReadOnlyList<PhysicalGpu> Devices => devices;

    /// <summary>Logical devices created so far: one, plus one for each that was retired or lost.</summary>
    public int DevicesCreated => Volatile.Read(ref devicesCreated);

    /// <summary>Devices retired because a dispatch ran past its deadline or the device was lost.</summary>
    public int DevicesRetired => Volatile.Read(ref devicesRetired);

    /// <summary>
    /// Retired devices destroyed so far. One retired past a deadline goes once its kernel ends: a real GPU's driver
    /// may end it sooner, lavapipe runs it to its end (its loop cap bounds how long that can be).
    /// </summary>
    public int DevicesDestroyed => Volatile.Read(ref devicesDestroyed);

    public int CachedVersions => modules.Count;

    public FunctionValidation Validate(ReadOnlySpan<byte> bytes, string? techId = null)
    {
        var timeout = TimeSpan.FromMilliseconds(options.CompileTimeoutMs);
        var isSpirv = bytes.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(bytes) == 0x07230203;
        string? compileError = null;
        var spirv = isSpirv ? bytes.ToArray() : ShaderTools.CompileGlsl(bytes, timeout, out compileError);
        if (spirv is null)
        {
            return compileError;
        }

        SpirvModule.Parse(spirv, out var error);
        error ??= ShaderTools.Validate(spirv, timeout);
        if (error is not null)
        {
            return error;
        }

        return isSpirv ? FunctionValidation.Valid : FunctionValidation.Valid with { Compiled = new CompiledBlob(spirv, ContentTypes.Spirv) };
    }

    public async Task<InvocationResult> InvokeAsync(FunctionTarget target, InvocationRequest request)
    {
        if (queue is null || instance is null || selected is null)
        {
            return InvocationResult.Failed(InvocationOutcome.Unavailable, $"this silo cannot run gpu-compute functions: {unavailable}");
        }

        if (GpuCall.Parse(request) is not { } call)
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest, GpuCall.Problem(request)!);
        }

        SpirvModule module;
        try
        {
            module = await modules.GetOrLoad(target.TechId, async () =>
                SpirvModule.Parse(await target.LoadBytes(), out var error) is var parsed && error is null ? parsed : throw new GpuException(error));
        }
        catch (Exception e)
        {
            modules.Remove(target.TechId);
            logger.LogError(e, "Cannot load shader {Function} ({TechId})", target.Name, target.TechId);
            return InvocationResult.Failed(InvocationOutcome.GuestError, $"cannot load the shader: {e.Message}");
        }

        if (!module.EntryPoints.Contains(call.EntryPoint ?? DefaultEntryPoint, StringComparer.Ordinal))
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest,
                $"the shader has no compute entry point '{call.EntryPoint ?? DefaultEntryPoint}' (it has: {string.Join(", ", module.EntryPoints)})");
        }

        var guest = target.CreateGuest(request, limits, logger);
        var input = guest.GetBuffer(guest.InputBufferId)!;
        var outputBytes = GpuCall.OutputBytes(input.Headers, input.Length, out var badHeader);
        if (badHeader is not null)
        {
            return InvocationResult.Failed(InvocationOutcome.BadRequest, badHeader);
        }

        if (Math.Max(input.Length, outputBytes) is var largest && largest > limits.MemoryBytes)
        {
            return InvocationResult.Failed(InvocationOutcome.OutOfMemory,
                $"a {largest} byte GPU buffer exceeds the function's memory limit of {limits.MemoryBytes} bytes");
        }

        var work = new Dispatch(target.TechId, module, call.EntryPoint ?? DefaultEntryPoint, input.Body.ToArray(), outputBytes, call,
            Stopwatch.GetTimestamp() + (long)(guest.RemainingMs * (Stopwatch.Frequency / 1000.0)));
        DispatchResult done;
        try
        {
            // Drivers that run a submission inside vkQueueSubmit never let the fence wait time out: the deadline is
            // also kept here, and a worker stuck past it is replaced.
            var running = queue.RunAndSpin(target.Name, () => RunOnQueue(work));
            done = running.IsCompleted ? await running : await running.WaitAsync(TimeSpan.FromMilliseconds(guest.RemainingMs + FenceGraceMs));
        }
        catch (ObjectDisposedException)
        {
            return InvocationResult.Failed(InvocationOutcome.Unavailable, "the GPU engine is shutting down");
        }
        catch (TimeoutException)
        {
            if (work.Worker is { } stuck && queue.Replace(stuck))
            {
                Interlocked.Increment(ref devicesRetired);
            }

            return InvocationResult.Failed(InvocationOutcome.Timeout, "the kernel ran past the call's deadline; the GPU device is replaced");
        }

        if (done.Outcome != InvocationOutcome.Ok)
        {
            return InvocationResult.Failed(done.Outcome, done.Error!);
        }

        return guest.TryAppend("gpu", guest.Output, done.Output)
            ? new InvocationResult(InvocationOutcome.Ok, 0, guest.Output.ToData(), null)
            : InvocationResult.Failed(InvocationOutcome.OutOfMemory, $"the {done.Output.Length} byte output does not fit the call's memory budget");
    }

    public void Forget(string techId)
    {
        modules.Remove(techId);
        queue?.Run("(forget)", () =>
        {
            device?.Forget(techId);
            return true;
        });
    }

    public void Dispose()
    {
        queue?.Dispose();
        // The Vulkan instance is left to the process's end: a retired worker still running a kernel keeps its device,
        // which needs the instance, and destroying lavapipe's instance as the silo stopped aborted the process (exit
        // 134 instead of the silo's own exit code on every stop).
    }

    /// <summary>Runs on the queue's thread: the device is used there only.</summary>
    private DispatchResult RunOnQueue(Dispatch work)
    {
        var remaining = TimeSpan.FromSeconds((work.DeadlineTimestamp - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
        work.Worker = Thread.CurrentThread;
        if (remaining <= TimeSpan.Zero)
        {
            return DispatchResult.Failed(InvocationOutcome.Timeout, "the call's deadline passed while it waited for the GPU queue");
        }

        try
        {
            if (device is null)
            {
                device = new VulkanDevice(instance!, selected!, limits.CachedVersions);
                Interlocked.Increment(ref devicesCreated);
            }

            if (device.CheckGroups(work.Call.X, work.Call.Y, work.Call.Z) is { } badGroups)
            {
                return DispatchResult.Failed(InvocationOutcome.BadRequest, badGroups);
            }

            var output = device.Dispatch(work.TechId, work.Module, work.EntryPoint, work.Input, work.OutputBytes,
                (work.Call.X, work.Call.Y, work.Call.Z), work.Call.PushConstants, remaining);
            if (output is null)
            {
                if (queue!.Replace(Thread.CurrentThread))
                {
                    Interlocked.Increment(ref devicesRetired);
                }

                return DispatchResult.Failed(InvocationOutcome.Timeout,
                    $"the kernel ran past the call's deadline ({remaining.TotalMilliseconds:0} ms left when it started); the GPU device is replaced");
            }

            return new DispatchResult(InvocationOutcome.Ok, output, null);
        }
        catch (GpuException e) when (e.DeviceLost)
        {
            logger.LogError("The GPU device {Device} was lost; a new one serves the next call", selected!.Name);
            device!.Dispose();
            device = null;
            Interlocked.Increment(ref devicesRetired);
            Interlocked.Increment(ref devicesDestroyed);
            return DispatchResult.Failed(InvocationOutcome.GuestError, "the GPU device was lost during the call; it is recreated for the next call");
        }
        catch (GpuException e)
        {
            return DispatchResult.Failed(InvocationOutcome.GuestError, $"the GPU refused the kernel: {e.Message}");
        }
    }

    /// <summary>
    /// Run on a worker's own thread as it ends (retired, or the engine stops): a device still running a kernel past
    /// its deadline cannot be destroyed under it, so this waits for the kernel to end first.
    /// </summary>
    private void RetireDevice()
    {
        if (device is null)
        {
            return;
        }

        device.WaitIdle();
        device.Dispose();
        device = null;
        Interlocked.Increment(ref devicesDestroyed);
    }

    private sealed record Dispatch(
        string TechId, SpirvModule Module, string EntryPoint, byte[] Input, int OutputBytes, GpuCall Call, long DeadlineTimestamp)
    {
        /// <summary>The worker that took it off the queue; set when it starts.</summary>
        public volatile Thread? Worker;
    }

    private sealed record DispatchResult(InvocationOutcome Outcome, byte[] Output, string? Error)
    {
        public static DispatchResult Failed(InvocationOutcome outcome, string error) => new(outcome, [], error);
    }
}
