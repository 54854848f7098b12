namespace MyOwnCluster.Routing;

/// <summary>Kind of one pattern segment, in order of specificity (lower wins).</summary>
public enum SegmentKind
{
    Literal = 0,
    Parameter = 1,
    CatchAll = 2,
}

/// <summary>One parsed pattern segment: a literal, <c>!name</c> (one segment) or <c>*name</c> (the rest).</summary>
public readonly record struct PatternSegment(SegmentKind Kind, string Text);

/// <summary>A parsed plug path such as <c>/users/!id/files/*path</c>.</summary>
public sealed class RoutePattern
{
    private RoutePattern(string text, PatternSegment[] segments)
    {
        Text = text;
        Segments = segments;
    }

    public string Text { get; }

    public IReadOnlyList<PatternSegment> Segments { get; }

    /// <summary>Parses a plug path; null and a reason when it is not a valid pattern.</summary>
    public static RoutePattern? TryParse(string path, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(path) || path[0] != '/')
        {
            error = "a plug path must start with '/'";
            return null;
        }

        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var segments = new PatternSegment[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var kind = part[0] switch { '!' => SegmentKind.Parameter, '*' => SegmentKind.CatchAll, _ => SegmentKind.Literal };
            var text = kind == SegmentKind.Literal ? part : part[1..];
            if (kind != SegmentKind.Literal && text.Length == 0)
            {
                error = $"segment '{part}' needs a parameter name";
                return null;
            }

            if (kind == SegmentKind.CatchAll && i != parts.Length - 1)
            {
                error = "a catch-all segment ('*name') must be the last one";
                return null;
            }

            if (kind == SegmentKind.Literal && part is "." or "..")
            {
                error = "'.' and '..' are not valid path segments";
                return null;
            }

            segments[i] = new PatternSegment(kind, text);
        }

        return new RoutePattern("/" + string.Join('/', parts), segments);
    }

    /// <summary>Matches request path segments; fills parameters (name → value) on success.</summary>
    public bool Match(ReadOnlySpan<string> path, List<KeyValuePair<string, string>> parameters)
    {
        parameters.Clear();
        var segments = (PatternSegment[])Segments;
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment.Kind == SegmentKind.CatchAll)
            {
                parameters.Add(new(segment.Text, string.Join('/', path[i..].ToArray())));
                return true;
            }

            if (i >= path.Length)
            {
                return false;
            }

            if (segment.Kind == SegmentKind.Literal)
            {
                if (!string.Equals(segment.Text, path[i], StringComparison.Ordinal))
                {
                    return false;
                }
            }
            else
            {
                parameters.Add(new(segment.Text, path[i]));
            }
        }

        return segments.Length == path.Length;
    }

    /// <summary>More specific first: at the first position where two patterns differ in kind, literal beats parameter beats catch-all.</summary>
    public static readonly IComparer<RoutePattern> BySpecificity = Comparer<RoutePattern>.Create((a, b) => a.CompareSpecificity(b));

    private int CompareSpecificity(RoutePattern other)
    {
        var length = Math.Max(Segments.Count, other.Segments.Count);
        for (var i = 0; i < length; i++)
        {
            var mine = i < Segments.Count ? (int)Segments[i].Kind : 3;
            var theirs = i < other.Segments.Count ? (int)other.Segments[i].Kind : 3;
            if (mine != theirs)
            {
                return mine.CompareTo(theirs);
            }
        }

        return string.CompareOrdinal(Text, other.Text);
    }
}
