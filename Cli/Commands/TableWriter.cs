namespace MyOwnCluster.Cli.Commands;

/// <summary>Plain-text tables with aligned columns, indented under a section title.</summary>
internal static class TableWriter
{
    public static async Task WriteAsync(TextWriter output, IReadOnlyList<string> headers, IReadOnlyList<string[]> rows)
    {
        var widths = headers.Select((header, column) => rows.Select(r => r[column].Length).Append(header.Length).Max()).ToArray();
        await WriteRowAsync(output, headers, widths);
        foreach (var row in rows)
        {
            await WriteRowAsync(output, row, widths);
        }
    }

    /// <summary>A titled table with its row count, "(none)" when empty, and a blank line after it.</summary>
    public static async Task WriteSectionAsync(TextWriter output, string title, string[] headers, IEnumerable<string[]> rows)
    {
        var table = rows.ToList();
        await output.WriteLineAsync($"{title} ({table.Count})");
        if (table.Count == 0)
        {
            await output.WriteLineAsync("  (none)");
        }
        else
        {
            await WriteAsync(output, headers, table);
        }

        await output.WriteLineAsync();
    }

    private static Task WriteRowAsync(TextWriter output, IReadOnlyList<string> cells, int[] widths) =>
        output.WriteLineAsync("  " + string.Join("  ", cells.Select((cell, column) => cell.PadRight(widths[column]))).TrimEnd());
}
