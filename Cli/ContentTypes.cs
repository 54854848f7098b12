namespace MyOwnCluster.Cli;

/// <summary>Content type of an uploaded file from its extension; the content type also says how a function runs.</summary>
internal static class ContentTypes
{
    public const string Default = "application/octet-stream";

    /// <summary>What the server runs as a JavaScript function.</summary>
    private const string Script = "text/javascript";

    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".wasm"] = "application/wasm",
        [".elf"] = "application/x-elf",
        [".js"] = Script,
        [".mjs"] = Script,
        [".comp"] = "text/x-glsl-compute",
        [".spv"] = "application/spirv",
        [".html"] = "text/html; charset=utf-8",
        [".htm"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".json"] = "application/json",
        [".txt"] = "text/plain; charset=utf-8",
        [".md"] = "text/markdown; charset=utf-8",
        [".xml"] = "application/xml",
        [".csv"] = "text/csv; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".ico"] = "image/x-icon",
        [".pdf"] = "application/pdf",
        [".woff"] = "font/woff",
        [".woff2"] = "font/woff2",
        [".ttf"] = "font/ttf",
        [".map"] = "application/json",
        [".zip"] = "application/zip",
        [".gz"] = "application/gzip",
        [".wat"] = "text/plain; charset=utf-8",
    };

    /// <summary>
    /// A script published as a file (<c>upload</c>, <c>upload-dir</c>): a JavaScript type browsers run, other than the
    /// two the server takes for a JavaScript function, so a site's scripts are stored as files, not compiled.
    /// </summary>
    public const string PublishedScript = "text/x-javascript; charset=utf-8";

    /// <summary>The content type of a function's code (<c>push</c>): .js is a JavaScript function.</summary>
    public static string ForFile(string path) =>
        ByExtension.TryGetValue(Path.GetExtension(path), out var contentType) ? contentType : Default;

    /// <summary>The content type of a published file: as <see cref="ForFile"/>, but scripts and shaders are files to serve.</summary>
    public static string ForPublishedFile(string path) => ForFile(path) switch
    {
        Script => PublishedScript,
        "text/x-glsl-compute" => "text/plain; charset=utf-8",
        "application/spirv" => Default,
        var type => type,
    };
}
