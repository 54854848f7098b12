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

        // The token moved from the URL into sessionStorage, and the page keeps refreshing with it.
        Assert.DoesNotContain("token", page.Url);
        await client.CallAsync(new { name = "dashboard-hello" });
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("4", new() { Timeout = 15_000 });
    }

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
