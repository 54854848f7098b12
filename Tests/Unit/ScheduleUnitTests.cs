using MyOwnCluster.Scheduling;
using MyOwnCluster.Silo.Storage;
using MyOwnCluster.Tests.Support;

namespace MyOwnCluster.Tests.Unit;

public sealed class ScheduleUnitTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Interval_due_times_are_anchored_and_skip_every_missed_period_at_once()
    {
        var every10Minutes = Definition(cron: null, seconds: 600);
        Assert.Equal(Noon, ScheduleTimes.Next(every10Minutes, Noon, Noon.AddHours(-1)));
        Assert.Equal(Noon.AddMinutes(10), ScheduleTimes.Next(every10Minutes, Noon, Noon));
        Assert.Equal(Noon.AddMinutes(80), ScheduleTimes.Next(every10Minutes, Noon, Noon.AddMinutes(75)));
        Assert.Equal(Noon.AddMinutes(80), ScheduleTimes.Next(every10Minutes, Noon, Noon.AddMinutes(70)));
    }

    [Fact]
    public void Cron_due_times_are_utc_and_accept_an_optional_seconds_field()
    {
        Assert.Equal(Noon.AddHours(15), ScheduleTimes.Next(Definition("0 3 * * *", null), Noon, Noon));
        Assert.Equal(Noon.AddSeconds(15), ScheduleTimes.Next(Definition("*/15 * * * * *", null), Noon, Noon));
        Assert.Equal(TimeSpan.FromSeconds(1), ScheduleTimes.ReminderPeriod(Definition("*/15 * * * * *", null)));
        Assert.Equal(TimeSpan.FromMinutes(1), ScheduleTimes.ReminderPeriod(Definition("0 3 * * *", null)));
        Assert.Contains("cron", ScheduleTimes.Validate(Definition("0 25 * * *", null)));
    }

    [Fact]
    public async Task The_sqlite_reminder_table_upserts_reads_by_grain_and_by_hash_range_and_removes_by_etag()
    {
        var data = TempDirectory.Create("moc-reminders");
        try
        {
            var table = new SqliteReminderTable(Path.Combine(data, "moc.db"));
            await table.StartAsync();
            var grains = Enumerable.Range(0, 40).Select(i => GrainId.Create("schedule", $"s{i}")).ToArray();
            foreach (var grain in grains)
            {
                await table.UpsertRow(Entry(grain, TimeSpan.FromMinutes(1)));
            }

            var etag = await table.UpsertRow(Entry(grains[0], TimeSpan.FromMinutes(5)));
            var row = await table.ReadRow(grains[0], "run");
            Assert.Equal(TimeSpan.FromMinutes(5), row!.Period);
            Assert.Equal(etag, row.ETag);
            Assert.Equal(Noon.UtcDateTime, row.StartAt);

            // The two halves of the ring, the second wrapping around, hold every row exactly once.
            var middle = uint.MaxValue / 2;
            var first = (await table.ReadRows(0, middle)).Reminders;
            var wrapped = (await table.ReadRows(middle, 0)).Reminders;
            Assert.Equal(40, first.Count + wrapped.Count);
            Assert.All(first, r => Assert.InRange(r.GrainId.GetUniformHashCode(), 1u, middle));
            Assert.All(wrapped, r => Assert.True(r.GrainId.GetUniformHashCode() > middle || r.GrainId.GetUniformHashCode() == 0));

            Assert.False(await table.RemoveRow(grains[0], "run", "stale"));
            Assert.True(await table.RemoveRow(grains[0], "run", etag!));
            Assert.Null(await table.ReadRow(grains[0], "run"));
            Assert.Single((await new SqliteReminderTable(Path.Combine(data, "moc.db")).ReadRows(grains[1])).Reminders);
        }
        finally
        {
            TempDirectory.Delete(data);
        }
    }

    private static ScheduleDefinition Definition(string? cron, long? seconds) => new("s", cron, seconds, "f", "", []);

    private static ReminderEntry Entry(GrainId grain, TimeSpan period) =>
        new() { GrainId = grain, ReminderName = "run", StartAt = Noon.UtcDateTime, Period = period };
}
