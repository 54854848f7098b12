using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>The Prometheus scrape endpoint and the status API of a real server over HTTPS.</summary>
[Collection(ServerCollection.Name)]
public sealed class ObservabilityTests(ServerFixture fixture)
{
    private readonly HttpClient client = fixture.Client;

    [Fact]
    public async Task Metrics_without_the_admin_token_is_401()
    {
        using var anonymous = fixture.Server.CreateClient(withToken: false);
        var response = await anonymous.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("admin token", await response.MessageAsync());
    }

    [Fact]
    public async Task Metrics_count_invocations_per_function_in_prometheus_format()
    {
        await client.RegisterAsync("metrics-hello", Wat.ToWasm(Wat.Hello));
        Assert.Equal(HttpStatusCode.OK, (await client.CallAsync(new { name = "metrics-hello" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.CallAsync(new { name = "metrics-hello" })).StatusCode);
        await client.CallAsync(new { name = "metrics-hello", start_function = "no_such_export" });

        // The exporter caches a scrape for a short while; poll until the calls show.
        string text = "";
        for (var attempt = 0; attempt < 30; attempt++)
        {
            var response = await client.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
            if (Regex.IsMatch(text, @"moc_invocations_total\{[^}]*function=""metrics-hello""[^}]*outcome=""ok""[^}]*\} 2"))
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.Matches(@"moc_invocations_total\{[^}]*function=""metrics-hello""[^}]*kind=""wasm""[^}]*mode=""direct""[^}]*outcome=""ok""[^}]*\} 2", text);
        Assert.Matches(@"moc_invocation_errors_total\{[^}]*function=""metrics-hello""[^}]*outcome=""bad-request""[^}]*\} 1", text);
        Assert.Matches(@"moc_invocation_duration_milliseconds_bucket\{[^}]*function=""metrics-hello""", text);
        Assert.Contains("orleans_", text);
    }

    [Fact]
    public async Task Status_reports_the_silo_counts_routes_and_per_function_calls()
    {
        await client.RegisterAsync("status-hello", Wat.ToWasm(Wat.Hello));
        await client.PostJsonAsync("function/plug", new { method = "GET", path = "/status-test/hello", name = "status-hello", start_function = "_start" });
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.CallAsync(new { name = "status-hello" })).StatusCode);
        }

        await client.CallAsync(new { name = "status-hello", start_function = "spin_nowhere" });
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("status-filter", Wat.ToWasm(FilterWat.Filters))).StatusCode);
        var filter = await (await client.PostJsonAsync("filter/plug", new { name = "status-filter", start_function = "reject", paths = new[] { "/status-test/guarded" } })).JsonAsync();

        var response = await client.GetAsync(Api.Prefix + "status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await response.JsonAsync();
        Assert.StartsWith("S127.0.0.1:" + fixture.Server.SiloPort, status["silo"]!["address"]!.GetValue<string>());
        Assert.True(status["silo"]!["uptime_seconds"]!.GetValue<double>() > 0);
        Assert.NotNull(status["silo"]!["kvm"]!["available"]);
        Assert.NotEmpty(status["silos"]!.AsArray());
        Assert.True(status["counts"]!["functions"]!.GetValue<int>() >= 1);
        Assert.True(status["counts"]!["plugs"]!.GetValue<int>() >= 1);
        Assert.Contains(status["routes"]!.AsArray(), r => r!["path"]!.GetValue<string>() == "/status-test/hello");
        var listed = status["filters"]!.AsArray().Single(f => f!["id"]!.GetValue<string>() == filter["id"]!.GetValue<string>())!;
        Assert.Equal("status-filter", listed["name"]!.GetValue<string>());
        Assert.Equal("reject", listed["start_function"]!.GetValue<string>());
        Assert.Equal("/status-test/guarded", listed["paths"]!.AsArray().Single()!.GetValue<string>());
        Assert.Equal(status["filters"]!.AsArray().Count, status["counts"]!["filters"]!.GetValue<int>());

        var function = status["functions"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "status-hello")!;
        Assert.Equal("wasm", function["kind"]!.GetValue<string>());
        Assert.Equal(4, function["calls"]!.GetValue<long>());
        Assert.Equal(1, function["errors"]!.GetValue<long>());
        Assert.True(function["mean_ms"]!.GetValue<double>() > 0);
        Assert.True(function["p50_ms"]!.GetValue<double>() > 0);
        Assert.True(function["p50_ms"]!.GetValue<double>() <= function["max_ms"]!.GetValue<double>());
    }

    [Fact]
    public async Task The_cli_status_shows_the_silo_the_function_calls_and_the_backups()
    {
        await client.RegisterAsync("status-cli", Wat.ToWasm(Wat.Hello));
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.CallAsync(new { name = "status-cli" })).StatusCode);
        }

        await client.CallAsync(new { name = "status-cli", start_function = "spin_nowhere" });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(Api.Prefix + "admin/backup", null)).StatusCode);

        var run = await ExportImportTests.Moc(fixture.Server, "status");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"^answered by \S+ \(S127\.0\.0\.1:" + fixture.Server.SiloPort + @"[^)]*\), version \S+, up \d+", run.Stdout);
        Assert.Matches(@"Silos \(1\)\n\s+NAME\s+ADDRESS\s+STATUS\s+STARTED\n\s+\S+\s+S127\.0\.0\.1:\S+\s+Active\s", run.Stdout.Replace("\r", ""));
        // Three calls, one of them failed (no such export).
        Assert.Matches(@"\n\s+status-cli\s+wasm\s+3\s+1\s+[\d.]+\s+[\d.]+\n", run.Stdout.Replace("\r", ""));
        Assert.Matches(@"Backups: [1-9]\d* kept, newest \S+\.db", run.Stdout);

        var json = await ExportImportTests.Moc(fixture.Server, "status", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var report = JsonNode.Parse(json.Stdout)!;
        Assert.Equal(3, report["functions"]!.AsArray().Single(f => f!["name"]!.GetValue<string>() == "status-cli")!["calls"]!.GetValue<long>());
    }

    [Fact]
    public async Task Metrics_show_the_age_of_the_newest_backup_once_one_exists()
    {
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(Api.Prefix + "admin/backup", null)).StatusCode);
        var text = await ScrapeUntilAsync(client, @"moc_backup_age_seconds(\{[^}]*\})? [0-9.]+");
        var age = double.Parse(Regex.Match(text, @"moc_backup_age_seconds(\{[^}]*\})? ([0-9.]+)").Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(age, 0, 120);
    }

    /// <summary>The exporter caches a scrape for a short while: polls until the pattern shows, returns the last scrape.</summary>
    internal static async Task<string> ScrapeUntilAsync(HttpClient client, string pattern)
    {
        var text = "";
        for (var attempt = 0; attempt < 30 && !Regex.IsMatch(text, pattern); attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(500);
            }

            text = await client.GetStringAsync("/metrics");
        }

        Assert.Matches(pattern, text);
        return text;
    }

    [Fact]
    public async Task Status_without_the_admin_token_is_401()
    {
        using var anonymous = fixture.Server.CreateClient(withToken: false);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(Api.Prefix + "status")).StatusCode);
    }

    [Fact]
    public async Task Dashboard_page_loads_without_a_token_and_is_not_caught_by_the_plug_fallback()
    {
        using var anonymous = fixture.Server.CreateClient(withToken: false);
        var page = await anonymous.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("dashboard.js", await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/dashboard/dashboard.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/dashboard/nothing.js")).StatusCode);
        var withoutSlash = await anonymous.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.OK, withoutSlash.StatusCode);
        Assert.Equal("/dashboard/", withoutSlash.RequestMessage!.RequestUri!.AbsolutePath);
    }
}
