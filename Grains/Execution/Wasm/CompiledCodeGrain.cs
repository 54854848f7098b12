using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>Durable state of a <see cref="CompiledCodeGrain"/>.</summary>
[GenerateSerializer]
public sealed class CompiledCodeState
{
    [Id(0)] public byte[]? Code { get; set; }
}

/// <summary>
/// Keeps one module's compiled code in the store. Silos read it once (then from their own disk cache), so the
/// activation goes after each call instead of holding megabytes in memory until it is collected.
/// </summary>
public sealed class CompiledCodeGrain([PersistentState("compiled", "store")] IPersistentState<CompiledCodeState> state)
    : Grain, ICompiledCodeGrain
{
    public Task<byte[]?> GetAsync()
    {
        DeactivateOnIdle();
        return Task.FromResult(state.State.Code);
    }

    public async Task StoreAsync(byte[] code)
    {
        DeactivateOnIdle();
        state.State.Code = code;
        await state.WriteStateAsync();
    }
}

/// <summary>Where the machine code of modules is shared between the silos of a cluster.</summary>
public interface ICompiledCodeStore
{
    Task<byte[]?> GetAsync(string name);

    Task StoreAsync(string name, byte[] code);
}

/// <summary>The key that authenticates shared compiled code: from the cluster's credentials, never given to clients.</summary>
public sealed record CompiledCodeKey(byte[] Bytes);

/// <summary>
/// The cluster's store, through one <see cref="ICompiledCodeGrain"/> per module and Wasmtime build. Machine code is
/// loaded and run as is, so an entry carries an HMAC-SHA256 of its name and code under the cluster's code key, checked
/// before anything deserializes it: an entry written by anyone without the key (a client of the fabric, a hand on the
/// store, an entry of another name) is ignored and logged, and the module is compiled again.
/// </summary>
public sealed class GrainCompiledCodeStore(IGrainFactory grains, CompiledCodeKey key, ILogger<GrainCompiledCodeStore> logger)
    : ICompiledCodeStore
{
    private const int MacBytes = 32;
    private int rejected;

    /// <summary>How many stored entries failed authentication.</summary>
    public int Rejected => rejected;

    public async Task<byte[]?> GetAsync(string name)
    {
        var entry = await grains.GetGrain<ICompiledCodeGrain>(name).GetAsync();
        if (entry is null)
        {
            return null;
        }

        if (entry.Length <= MacBytes || !CryptographicOperations.FixedTimeEquals(entry.AsSpan(0, MacBytes), Mac(name, entry.AsSpan(MacBytes))))
        {
            Interlocked.Increment(ref rejected);
            logger.LogWarning("Ignoring the stored compiled code {Name}: it does not carry this cluster's code key (forged, or written before entries were authenticated); compiling the module instead", name);
            return null;
        }

        return entry[MacBytes..];
    }

    public Task StoreAsync(string name, byte[] code)
    {
        var entry = new byte[MacBytes + code.Length];
        Mac(name, code).CopyTo(entry, 0);
        code.CopyTo(entry, MacBytes);
        return grains.GetGrain<ICompiledCodeGrain>(name).StoreAsync(entry);
    }

    private byte[] Mac(string name, ReadOnlySpan<byte> code)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key.Bytes);
        hmac.AppendData(System.Text.Encoding.UTF8.GetBytes(name));
        hmac.AppendData([0]);
        hmac.AppendData(code);
        return hmac.GetHashAndReset();
    }
}
