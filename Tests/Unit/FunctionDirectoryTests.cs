using MyOwnCluster.Functions;

namespace MyOwnCluster.Tests.Unit;

public sealed class FunctionDirectoryTests
{
    private static FunctionInfo Info(string name, string techId)
    {
        var version = new BlobVersion(techId, "application/wasm", 1, DateTimeOffset.UnixEpoch);
        return new FunctionInfo(name, FunctionKind.Wasm, version, [version]);
    }

    /// <summary>A loader whose calls are counted and held until the test releases them, answering the version set last.</summary>
    private sealed class GatedLoader
    {
        private TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Calls;
        public string TechId = "v1";

        public async Task<FunctionInfo?> LoadAsync(string name)
        {
            Interlocked.Increment(ref Calls);
            var answer = TechId;
            await gate.Task;
            return Info(name, answer);
        }

        public void Release()
        {
            var released = gate;
            gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            released.SetResult();
        }
    }

    [Fact]
    public async Task Concurrent_misses_share_one_load_and_the_answer_is_then_cached()
    {
        var loader = new GatedLoader();
        var directory = new FunctionDirectory(loader.LoadAsync);

        var waiting = Enumerable.Range(0, 64).Select(_ => directory.GetAsync("f").AsTask()).ToArray();
        loader.Release();
        var answers = await Task.WhenAll(waiting);

        Assert.Equal(1, loader.Calls);
        Assert.All(answers, info => Assert.Equal("v1", info!.Current.TechId));
        Assert.Equal("v1", (await directory.GetAsync("f"))!.Current.TechId);
        Assert.Equal(1, loader.Calls);
    }

    [Fact]
    public async Task A_load_that_started_before_an_invalidation_is_not_kept_nor_shared_after_it()
    {
        var loader = new GatedLoader();
        var directory = new FunctionDirectory(loader.LoadAsync);

        var before = directory.GetAsync("f").AsTask();
        loader.TechId = "v2";
        directory.Invalidate("f");
        var after = directory.GetAsync("f").AsTask();
        loader.Release();

        Assert.Equal("v1", (await before)!.Current.TechId);
        Assert.Equal("v2", (await after)!.Current.TechId);
        Assert.Equal(2, loader.Calls);

        // The entry now holds v2 (from the load that started after the invalidation), served without another load.
        loader.TechId = "v3";
        Assert.Equal("v2", (await directory.GetAsync("f"))!.Current.TechId);
        Assert.Equal(2, loader.Calls);
    }

    [Fact]
    public async Task A_failed_load_reaches_every_waiter_and_the_next_request_tries_again()
    {
        var calls = 0;
        var fail = new TaskCompletionSource<FunctionInfo?>();
        var directory = new FunctionDirectory(name =>
            Interlocked.Increment(ref calls) == 1 ? fail.Task : Task.FromResult<FunctionInfo?>(Info(name, "ok")));

        var waiting = Enumerable.Range(0, 8).Select(_ => directory.GetAsync("f").AsTask()).ToArray();
        fail.SetException(new TimeoutException("silo gone"));
        foreach (var request in waiting)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => request);
        }

        Assert.Equal("ok", (await directory.GetAsync("f"))!.Current.TechId);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task An_entry_expires_after_its_time_to_live()
    {
        var calls = 0;
        var directory = new FunctionDirectory(name => Task.FromResult<FunctionInfo?>(Info(name, $"v{Interlocked.Increment(ref calls)}")));

        Assert.Equal("v1", (await directory.GetAsync("f"))!.Current.TechId);
        Assert.Equal("v1", (await directory.GetAsync("f"))!.Current.TechId);
        await Task.Delay(FunctionDirectory.TimeToLiveMs + 100);
        Assert.Equal("v2", (await directory.GetAsync("f"))!.Current.TechId);
    }
}
