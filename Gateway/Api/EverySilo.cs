using MyOwnCluster.Execution;
using Orleans.Runtime;

namespace MyOwnCluster.Gateway.Api;

/// <summary>
/// Asks every active silo's executor the same question at once, for views of the whole cluster (a function's calls
/// and logs happen on whichever silo ran it). A silo that does not answer within a second is left out.
/// </summary>
internal static class EverySilo
{
    private static readonly TimeSpan AnswerWithin = TimeSpan.FromSeconds(1);

    public static async Task<IReadOnlyList<T>> AskAsync<T>(IGrainFactory grains, Func<ISiloExecutorGrain, Task<T>> ask)
        where T : class =>
        await AskAsync(grains, (await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true)).Select(h => h.SiloAddress), ask);

    /// <summary>The answers of the silos that gave one within a second.</summary>
    public static async Task<IReadOnlyList<T>> AskAsync<T>(IGrainFactory grains, IEnumerable<SiloAddress> silos, Func<ISiloExecutorGrain, Task<T>> ask)
        where T : class =>
        (await AskEachAsync(grains, silos, ask)).OfType<T>().ToArray();

    /// <summary>Each silo's answer in <paramref name="silos"/>' order; null for a silo that gave none within a second.</summary>
    public static Task<T?[]> AskEachAsync<T>(IGrainFactory grains, IEnumerable<SiloAddress> silos, Func<ISiloExecutorGrain, Task<T>> ask)
        where T : class =>
        Task.WhenAll(silos.Select(s => AnswerOfAsync(grains.GetGrain<ISiloExecutorGrain>(s.ToParsableString()), ask)));

    private static async Task<T?> AnswerOfAsync<T>(ISiloExecutorGrain executor, Func<ISiloExecutorGrain, Task<T>> ask)
        where T : class
    {
        try
        {
            return await ask(executor).WaitAsync(AnswerWithin);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }
}
