using System.Buffers.Binary;
using System.Net;
using System.Text.Json.Nodes;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

[Collection(ServerCollection.Name)]
public sealed class ScheduleTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task An_interval_schedule_runs_its_function_with_its_input_logs_each_run_and_stops_when_deleted()
    {
        await RegisterGuestAsync("sched-interval");
        var created = await client.PostJsonAsync("schedule", new
        {
            name = "every-second", interval = "1s", function = "sched-interval", start_function = "tick", input = Convert.ToBase64String("from the schedule"u8),
        });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        await WaitUntilAsync(async () => await RunsAsync(client, "sched-interval") >= 3, TimeSpan.FromSeconds(15));
        Assert.Equal("from the schedule", await client.GetStringAsync(Api.Prefix + "kv/sched-interval/last-input"));
        var shown = await (await client.GetAsync(Api.Prefix + "schedule/every-second")).JsonAsync();
        var runs = shown["recent_runs"]!.AsArray();
        Assert.True(runs.Count >= 3, shown.ToJsonString());
        Assert.All(runs, run => Assert.Equal("ok", run!["outcome"]!.GetValue<string>()));
        Assert.True(shown["run_count"]!.GetValue<long>() >= 3);
        Assert.Contains((await (await client.GetAsync(Api.Prefix + "schedules")).JsonAsync()).AsArray(),
            s => s!["name"]!.GetValue<string>() == "every-second");

        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync(Api.Prefix + "schedule/every-second")).StatusCode);
        var afterDelete = await RunsAsync(client, "sched-interval");
        await Task.Delay(2500);
        Assert.InRange(await RunsAsync(client, "sched-interval"), afterDelete, afterDelete + 1);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "schedule/every-second")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync(Api.Prefix + "schedule/every-second")).StatusCode);
    }

    [Fact]
    public async Task A_cron_schedule_with_seconds_fires_and_records_failures_of_its_function()
    {
        await RegisterGuestAsync("sched-cron");
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("schedule", new
        {
            name = "cron-broken", cron = "* * * * * *", function = "sched-cron", start_function = "no_such_export",
        })).StatusCode);
        JsonNode shown = null!;
        await WaitUntilAsync(async () =>
        {
            shown = await (await client.GetAsync(Api.Prefix + "schedule/cron-broken")).JsonAsync();
            return shown["recent_runs"]!.AsArray().Count >= 2;
        }, TimeSpan.FromSeconds(15));
        await client.DeleteAsync(Api.Prefix + "schedule/cron-broken");
        var run = shown["recent_runs"]![0]!;
        Assert.Equal("bad-request", run["outcome"]!.GetValue<string>());
        Assert.Contains("no_such_export", run["error"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""{"name":"bad","cron":"61 * * * *","function":"sched-bad"}""", 400, "cron")]
    [InlineData("""{"name":"bad","cron":"* * * * *","interval":"5m","function":"sched-bad"}""", 400, "exactly one")]
    [InlineData("""{"name":"bad","function":"sched-bad"}""", 400, "exactly one")]
    [InlineData("""{"name":"bad","interval":"0s","function":"sched-bad"}""", 400, "at least")]
    [InlineData("""{"name":"bad","interval":"soon","function":"sched-bad"}""", 400, "interval")]
    [InlineData("""{"name":"bad","interval":"5m","function":"sched-bad","input":"%%%"}""", 400, "base64")]
    [InlineData("""{"name":"bad","interval":"5m","function":"sched-bad","mode":"turbo"}""", 400, "mode")]
    [InlineData("""{"name":"bad","interval":"5m","function":"no-such-function"}""", 404, "no function")]
    [InlineData("""{"interval":"5m","function":"sched-bad"}""", 400, "name")]
    [InlineData("""{"name":"bad","interval":"5m",""", 400, "malformed")]
    public async Task Invalid_schedules_are_refused_with_a_reason_and_nothing_is_stored(string body, int status, string reason)
    {
        await RegisterGuestAsync("sched-bad");
        var response = await client.PostAsync(Api.Prefix + "schedule", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(reason, await response.MessageAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "schedule/bad")).StatusCode);
    }

    [Fact]
    public async Task A_guest_creates_and_deletes_a_schedule_with_core_schedule_calls()
    {
        await RegisterGuestAsync("sched-guest");
        Assert.Equal(-1, await ResultAsync("sched-guest", "bad_schedule"));
        Assert.Equal(0, await ResultAsync("sched-guest", "schedule_self"));
        var shown = await (await client.GetAsync(Api.Prefix + "schedule/self-made")).JsonAsync();
        Assert.Equal(3600, shown["interval_seconds"]!.GetValue<long>());
        Assert.Equal("tick", shown["start_function"]!.GetValue<string>());
        Assert.Equal(0, await ResultAsync("sched-guest", "unschedule_self"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(Api.Prefix + "schedule/self-made")).StatusCode);
    }

    [Fact]
    public async Task A_schedule_survives_a_restart_and_a_run_missed_during_downtime_runs_once_on_start()
    {
        var data = TempDirectory.Create("moc-schedule");
        try
        {
            DateTimeOffset due;
            await using (var first = await ServerProcess.StartAsync(data))
            {
                using var api = first.CreateClient();
                Assert.Equal(HttpStatusCode.OK, (await api.RegisterGrantedAsync("sched-restart", Wat.ToWasm(ScheduleWat.Module), "application/wasm", "schedules")).StatusCode);
                due = DateTimeOffset.UtcNow.AddSeconds(3);
                Assert.Equal(HttpStatusCode.OK, (await api.PostJsonAsync("schedule", new
                {
                    name = "hourly", interval = "1h", function = "sched-restart", start_function = "tick", start_at = due,
                })).StatusCode);
                await first.StopAsync();
            }

            // Down while the run is due (and long enough for a second interval of a per-second schedule, were it one).
            await Task.Delay(due - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2));
            await using var second = await ServerProcess.StartAsync(data);
            using var again = second.CreateClient();
            await WaitUntilAsync(async () => await RunsAsync(again, "sched-restart") >= 1, TimeSpan.FromSeconds(20));
            await Task.Delay(1500);
            Assert.Equal(1, await RunsAsync(again, "sched-restart"));
            var shown = await (await again.GetAsync(Api.Prefix + "schedule/hourly")).JsonAsync();
            Assert.True(shown["recent_runs"]![0]!["catch_up"]!.GetValue<bool>());
            var next = shown["next_run_at"]!.GetValue<DateTimeOffset>();
            Assert.InRange(next, due.AddHours(1).AddSeconds(-1), due.AddHours(1).AddSeconds(1));
            Assert.Contains("Schedule hourly ran sched-restart (missed run, caught up)", second.Log);
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }

    [Fact]
    public async Task The_cli_adds_lists_shows_and_removes_schedules()
    {
        await RegisterGuestAsync("sched-cli");
        var add = await ExportImportTests.Moc(fixture.Server, "schedule", "add", "cli-hourly", "sched-cli", "--every", "1h", "--start", "tick", "--input", "hi");
        Assert.True(add.ExitCode == 0, add.ToString());
        Assert.Contains("scheduled cli-hourly: sched-cli, next run", add.Stdout);
        var ls = await ExportImportTests.Moc(fixture.Server, "schedule", "ls");
        Assert.Matches(@"cli-hourly\s+every 3600s\s+sched-cli", ls.Stdout);
        var show = await ExportImportTests.Moc(fixture.Server, "schedule", "show", "cli-hourly");
        Assert.Contains("0 runs", show.Stdout);
        var both = await ExportImportTests.Moc(fixture.Server, "schedule", "add", "cli-x", "sched-cli", "--every", "1h", "--cron", "* * * * *");
        Assert.NotEqual(0, both.ExitCode);
        Assert.Contains("exactly one", both.Stderr);
        Assert.Equal(0, (await ExportImportTests.Moc(fixture.Server, "schedule", "rm", "cli-hourly")).ExitCode);
        var missing = await ExportImportTests.Moc(fixture.Server, "schedule", "show", "cli-hourly");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("no schedule named", missing.Stderr);
    }

    private async Task RegisterGuestAsync(string name) =>
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterGrantedAsync(name, Wat.ToWasm(ScheduleWat.Module), "application/wasm", "schedules")).StatusCode);

    private async Task<long> ResultAsync(string name, string start) =>
        (await (await client.CallAsync(new { name, start_function = start })).JsonAsync())["result"]!.GetValue<long>();

    private static async Task<int> RunsAsync(HttpClient api, string function)
    {
        var response = await api.GetAsync(Api.Prefix + $"kv/{function}/runs");
        return response.StatusCode == HttpStatusCode.NotFound
            ? 0
            : BinaryPrimitives.ReadInt32LittleEndian(await response.Content.ReadAsByteArrayAsync());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"condition not met within {timeout}");
            await Task.Delay(200);
        }
    }
}
