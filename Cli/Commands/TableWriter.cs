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

    private static Task WriteRowAsync(TextWriter output, IReadOnlyList<string> cells, int[] widths) =>
        output.WriteLineAsync("  " + string.Join("  ", cells.Select((cell, column) => cell.PadRight(widths[column]))).TrimEnd());
}
