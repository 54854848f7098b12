using System.Net;
using Microsoft.Playwright;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.EndToEnd;

/// <summary>The dashboard in a real headless browser: Debian's chromium driven by Playwright (no browser download).</summary>
[Collection(ServerCollection.Name)]
public sealed class DashboardBrowserTests(ServerFixture fixture)
{
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--ignore-certificate-errors",
    ];

    [Fact]
    public async Task Dashboard_shows_a_registered_function_and_its_call_count()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (scripts/test installs it)");
        var client = fixture.Client;
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("dashboard-hello", Wat.ToWasm(Wat.Hello))).StatusCode);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.CallAsync(new { name = "dashboard-hello" })).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("schedule", new
        {
            name = "dashboard-weekly", cron = "0 9 * * 1", function = "dashboard-hello", start_function = "_start",
        })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(Api.Prefix + "admin/backup", null)).StatusCode);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        var context = await browser.NewContextAsync(new() { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{fixture.Server.BaseAddress}dashboard/#token={ServerProcess.Token}");

        var row = page.Locator("#functions tbody tr", new() { HasText = "dashboard-hello" });
        await row.WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal("dashboard-hello", await row.Locator("td").Nth(0).TextContentAsync());
        Assert.Equal("wasm", await row.Locator("td").Nth(1).TextContentAsync());
        Assert.Equal("3", await row.Locator("td").Nth(2).TextContentAsync());
        Assert.Equal("0", await row.Locator("td").Nth(3).TextContentAsync());

        var schedule = page.Locator("#schedules tbody tr", new() { HasText = "dashboard-weekly" });
        await schedule.WaitForAsync(new() { Timeout = 30_000 });
        Assert.Equal("cron 0 9 * * 1", await schedule.Locator("td").Nth(1).TextContentAsync());
        Assert.Equal("dashboard-hello", await schedule.Locator("td").Nth(2).TextContentAsync());
        await Assertions.Expect(page.Locator("#backups")).ToContainTextAsync("kept");
        // Continuous backup is on by default: its lag and last shipment are shown.
        await Assertions.Expect(page.Locator("#continuous-backup")).ToContainTextAsync("continuous backup to ");
        await Assertions.Expect(page.Locator("#continuous-backup")).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"lag \d+\.\d{3} s"));
        await Assertions.Expect(page.Locator("#continuous-backup")).Not.ToContainTextAsync("failing");

        // The token moved from the URL into sessionStorage, and the page keeps refreshing with it.
        Assert.DoesNotContain("token", page.Url);
        await client.CallAsync(new { name = "dashboard-hello" });
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("4", new() { Timeout = 15_000 });
    }

    [Fact]
    public async Task After_some_load_the_function_page_charts_it_and_the_actions_work()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (scripts/test installs it)");
        var client = fixture.Client;
        const string script = """
            const core = requireApi('core');
            function main() {
              const input = core.read_exchange_buffer_as_string(core.get_input_buffer_id());
              core.print_debug('dash heard ' + input);
              core.write_exchange_buffer(core.get_output_buffer_id(), 'hi ' + input);
              return 0;
            }
            function fail() { throw new Error('on purpose'); }
            """;
        Assert.Equal(HttpStatusCode.OK, (await client.RegisterAsync("dash-js", System.Text.Encoding.UTF8.GetBytes(script), "text/javascript")).StatusCode);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.CallAsync(new { name = "dash-js", input = Convert.ToBase64String("load"u8) })).StatusCode);
        }

        Assert.False((await client.CallAsync(new { name = "dash-js", start_function = "fail" })).IsSuccessStatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("function/plug", new { method = "GET", path = "/dash-js", name = "dash-js" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync("schedule", new
        {
            name = "dash-weekly", cron = "0 9 * * 1", function = "dash-js", start_function = "main",
        })).StatusCode);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
        var page = await (await browser.NewContextAsync(new() { IgnoreHTTPSErrors = true })).NewPageAsync();
        await page.GotoAsync($"{fixture.Server.BaseAddress}dashboard/#token={ServerProcess.Token}");
        await page.Locator("#functions a", new() { HasText = "dash-js" }).ClickAsync();

        // Charts: every call of the hour is a point's value; the failed call is in the error rate; latencies are drawn.
        await Assertions.Expect(page.Locator("#hour-summary")).ToContainTextAsync("6 calls, 1 errors");
        Assert.Equal(6, await SumAsync(page, "#chart-requests circle.point"));
        Assert.True(await page.Locator("#chart-errors circle.point").CountAsync() >= 1);
        Assert.True(await page.Locator("#chart-latency circle.point[data-series=p95]").CountAsync() >= 1);
        await Assertions.Expect(page.Locator("#versions tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#function-plugs tbody tr")).ToContainTextAsync("/dash-js");
        await Assertions.Expect(page.Locator("#logs")).ToContainTextAsync("dash heard load");

        // The call form calls it, and the call shows up in the charts and the log.
        await page.SelectOptionAsync("#call-mode", "direct");
        await page.FillAsync("#call-start", "main");
        await page.FillAsync("#call-input", "from the form");
        await page.ClickAsync("#call-form button[type=submit]");
        await Assertions.Expect(page.Locator("#call-result")).ToContainTextAsync("hi from the form");
        await Assertions.Expect(page.Locator("#hour-summary")).ToContainTextAsync("7 calls");
        await Assertions.Expect(page.Locator("#logs")).ToContainTextAsync("dash heard from the form");
        await page.FillAsync("#call-start", "no_such_export");
        await page.ClickAsync("#call-form button[type=submit]");
        await Assertions.Expect(page.Locator("#call-result.error")).ToContainTextAsync("no_such_export");

        // Back on the overview: run the schedule now, take a backup.
        await page.ClickAsync("text=← all functions");
        var schedule = page.Locator("#schedules tbody tr", new() { HasText = "dash-weekly" });
        await schedule.Locator("button", new() { HasText = "run now" }).ClickAsync();
        await Assertions.Expect(page.Locator("#action-result")).ToContainTextAsync("schedule dash-weekly ran: ok");
        await Assertions.Expect(schedule.Locator("td").Nth(4)).ToHaveTextAsync("1");
        await page.ClickAsync("#take-backup");
        await Assertions.Expect(page.Locator("#action-result")).ToContainTextAsync("taken");
        var backups = await (await client.GetAsync(Api.Prefix + "admin/backups")).JsonAsync();
        await Assertions.Expect(page.Locator("#action-result")).ToContainTextAsync(backups[0]!["name"]!.GetValue<string>());
    }

    private static async Task<double> SumAsync(IPage page, string selector) =>
        (await page.Locator(selector).EvaluateAllAsync<double[]>("points => points.map(p => Number(p.dataset.value))")).Sum();

    [Fact]
    public async Task Dashboard_asks_for_the_token_when_none_is_given()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install chromium (scripts/test installs it)");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ChromiumArgs });
        var context = await browser.NewContextAsync(new() { IgnoreHTTPSErrors = true });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{fixture.Server.BaseAddress}dashboard/");

        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        await page.FillAsync("#token", "wrong-token");
        await page.ClickAsync("#login button[type=submit]");
        await Assertions.Expect(page.Locator("#login-error")).ToHaveTextAsync("That token was refused.");

        await page.FillAsync("#token", ServerProcess.Token);
        await page.ClickAsync("#login button[type=submit]");
        await Assertions.Expect(page.Locator("#content")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#silos tbody tr").First).ToContainTextAsync("127.0.0.1");
    }
}
