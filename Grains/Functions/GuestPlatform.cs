using System.Text;
using System.Text.Json;
using MyOwnCluster.Execution;
using MyOwnCluster.Files;
using MyOwnCluster.Routing;
using MyOwnCluster.Scheduling;

namespace MyOwnCluster.Functions;

/// <summary>
/// The engine-neutral half of the founding <c>core</c> calls that manage the platform from inside a function: blobs
/// (<c>register_blob</c>, <c>register_blob_with_name</c>, <c>get_blob_tech_id_from_name</c>,
/// <c>get_blob_bytes_as_string</c>), plugs (<c>plug_function</c>, <c>plug_file</c>, <c>unplug_path</c>) and
/// <c>get_status</c>. They obey the same rules as the REST API: a name is validated, an executable is registered only
/// by name (so it is validated, as <c>blob/register</c> does), a plug names something registered and no reserved path.
/// A refused call changes nothing, returns the error value (0 for a buffer, -1 otherwise) and logs why.
/// </summary>
public static class GuestPlatform
{
    private const int Failure = -1;
    private const string Service = "the platform";
    private const string Unavailable = "the platform calls are not available in this host";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>register_blob(content type…, bytes…): a buffer with the tech id of the stored bytes.</summary>
    public static int RegisterBlob(GuestContext guest, string contentType, byte[] bytes)
    {
        const string function = "register_blob";
        // A blob a guest stores is capped like a buffer.
        if (!guest.Allows(function, FunctionCapabilities.Register) || guest.GrainsFor(function, Unavailable) is not { } grains
            || !guest.WithinBufferCap(function, "a blob", bytes.Length) || !guest.TryChargeMemory(function, bytes.Length))
        {
            return 0;
        }

        if (ContentTypes.KindOf(contentType) != FunctionKind.File)
        {
            guest.LogGuestError(function, $"'{contentType}' is executable: register it with register_blob_with_name, which validates it");
            return 0;
        }

        var techId = TechIds.Of(bytes);
        var stored = guest.WaitForGrain(function, Service, async () =>
        {
            await grains.GetGrain<IBlobGrain>(techId).StoreAsync(new BlobContent(techId, contentType, bytes));
            return true;
        });
        return stored ? guest.RegisterBuffer(Encoding.UTF8.GetBytes(techId)) : 0;
    }

    /// <summary>register_blob_with_name(name…, content type…, bytes…): registered as by <c>blob/register</c>; a buffer with the tech id.</summary>
    public static int RegisterNamed(GuestContext guest, string name, string contentType, byte[] bytes)
    {
        const string function = "register_blob_with_name";
        if (!guest.Allows(function, FunctionCapabilities.Register) || guest.GrainsFor(function, Unavailable) is not { } grains
            || !ValidName(guest, function, name) || !guest.WithinBufferCap(function, "a blob", bytes.Length)
            || !guest.TryChargeMemory(function, bytes.Length))
        {
            return 0;
        }

        var result = guest.WaitForGrain(function, Service, () =>
            grains.GetGrain<IFunctionGrain>(name).RegisterAsync(new RegisterBlobRequest(name, contentType, bytes)));
        if (result is null)
        {
            return 0;
        }

        if (!result.Succeeded)
        {
            guest.LogGuestError(function, result.Error!);
            return 0;
        }

        return guest.RegisterBuffer(Encoding.UTF8.GetBytes(result.Function!.Current.TechId));
    }

    /// <summary>get_blob_tech_id_from_name(name…): a buffer with the tech id of the name's current version; 0 when unknown.</summary>
    public static int TechIdOf(GuestContext guest, string name)
    {
        const string function = "get_blob_tech_id_from_name";
        if ((name != guest.FunctionName && !guest.Allows(function, FunctionCapabilities.Blobs))
            || guest.GrainsFor(function, Unavailable) is not { } grains || !ValidName(guest, function, name))
        {
            return 0;
        }

        var info = guest.WaitForGrain(function, Service, () => grains.GetGrain<IFunctionGrain>(name).GetAsync());
        if (info is null)
        {
            guest.LogGuestError(function, $"nothing is registered under the name '{name}'");
            return 0;
        }

        return guest.RegisterBuffer(Encoding.UTF8.GetBytes(info.Current.TechId));
    }

    /// <summary>get_blob_bytes_as_string(tech id…): a buffer with the blob's bytes (the id may carry <c>techID://</c>); 0 when unknown.</summary>
    public static int BlobBytes(GuestContext guest, string techId)
    {
        const string function = "get_blob_bytes_as_string";
        if (guest.GrainsFor(function, Unavailable) is not { } grains)
        {
            return 0;
        }

        var id = (techId.StartsWith(TechIds.Prefix, StringComparison.Ordinal) ? techId[TechIds.Prefix.Length..] : techId).ToLowerInvariant();
        if (!TechIds.IsValid(id))
        {
            guest.LogGuestError(function, $"'{techId}' is not a tech id (64 hex digits)");
            return 0;
        }

        if (id != guest.TechId && !guest.Allows(function, FunctionCapabilities.Blobs))
        {
            return 0;
        }

        var blob = guest.WaitForGrain(function, Service, () => grains.GetGrain<IBlobGrain>(id).GetAsync());
        if (blob is null)
        {
            guest.LogGuestError(function, $"no blob has the tech id {id}");
            return 0;
        }

        return guest.RegisterBuffer(blob.Bytes);
    }

    /// <summary>plug_function(method…, path…, name…, start…, data…, tags…): 0 once plugged (tags are accepted and not kept).</summary>
    public static int PlugFunction(GuestContext guest, string method, string path, string name, string start, string data) =>
        Plug(guest, "plug_function", method, path, name, PlugTarget.Function, string.IsNullOrEmpty(start) ? "_start" : start, data);

    /// <summary>plug_file(method…, path…, name…, tags…): 0 once plugged.</summary>
    public static int PlugFile(GuestContext guest, string method, string path, string name) =>
        Plug(guest, "plug_file", method, path, name, PlugTarget.File, "", "");

    /// <summary>unplug_path(method…, path…): 0 once removed; -1 when nothing was plugged there.</summary>
    public static int Unplug(GuestContext guest, string method, string path)
    {
        const string function = "unplug_path";
        if (!guest.Allows(function, FunctionCapabilities.Plug) || guest.GrainsFor(function, Unavailable) is not { } grains || PlugParts(guest, function, method, path) is not { } route)
        {
            return Failure;
        }

        var removed = guest.WaitForGrain(function, Service, async () =>
            (bool?)await grains.GetGrain<IRouteTableGrain>(0).UnplugAsync(route.Method, route.Path));
        if (removed is false)
        {
            guest.LogGuestError(function, $"nothing is plugged on {route.Method} {route.Path}");
        }

        return removed is true ? 0 : Failure;
    }

    /// <summary>get_status(): a buffer with JSON: the functions (name, kind, tech id), plugs, filters and schedules.</summary>
    public static int Status(GuestContext guest)
    {
        const string function = "get_status";
        if (!guest.Allows(function, FunctionCapabilities.Status) || guest.GrainsFor(function, Unavailable) is not { } grains)
        {
            return 0;
        }

        var status = guest.WaitForGrain(function, Service, async () =>
        {
            var functions = grains.ListFunctionsAsync();
            var routes = grains.GetGrain<IRouteTableGrain>(0).GetAsync();
            var filters = grains.GetGrain<IFilterTableGrain>(0).GetAsync();
            var schedules = grains.GetGrain<IScheduleCatalogGrain>(0).ListAsync();
            return new GuestStatus(
                (await functions).Select(f => new GuestStatusFunction(f.Name, PlatformMetrics.KindName(f.Kind), f.Current.TechId)).ToArray(),
                (await routes).Plugs.Select(p => new GuestStatusPlug(p.Method, p.Path, p.Target == PlugTarget.File ? "file" : "function", p.Name)).ToArray(),
                (await filters).Filters.Select(f => new GuestStatusFilter(f.Id, f.Name)).ToArray(),
                await schedules);
        });
        return status is null ? 0 : guest.RegisterBuffer(JsonSerializer.SerializeToUtf8Bytes(status, Json));
    }

    private static int Plug(GuestContext guest, string function, string method, string path, string name, PlugTarget target, string start, string data)
    {
        if (!guest.Allows(function, FunctionCapabilities.Plug) || guest.GrainsFor(function, Unavailable) is not { } grains || PlugParts(guest, function, method, path) is not { } route
            || !ValidName(guest, function, name))
        {
            return Failure;
        }

        var outcome = guest.WaitForGrain(function, Service, async () =>
        {
            if (await grains.GetGrain<IFunctionGrain>(name).GetAsync() is null)
            {
                return $"nothing is registered under the name '{name}'";
            }

            await grains.GetGrain<IRouteTableGrain>(0).PlugAsync(new Plug(route.Method, route.Path, target, name, start, data));
            return "";
        });
        if (outcome is not "")
        {
            if (outcome is not null)
            {
                guest.LogGuestError(function, outcome);
            }

            return Failure;
        }

        return 0;
    }

    /// <summary>The method and path in their normal form, or null (and the reason logged).</summary>
    private static (string Method, string Path)? PlugParts(GuestContext guest, string function, string method, string path)
    {
        if (PlugRules.Method(method, out var problem) is { } m && PlugRules.Path(path, out problem) is { } p)
        {
            return (m, p);
        }

        guest.LogGuestError(function, problem!);
        return null;
    }

    private static bool ValidName(GuestContext guest, string function, string name)
    {
        if (FunctionNames.Problem(name) is { } problem)
        {
            guest.LogGuestError(function, problem);
            return false;
        }

        return true;
    }

    private sealed record GuestStatus(
        IReadOnlyList<GuestStatusFunction> Functions, IReadOnlyList<GuestStatusPlug> Plugs, IReadOnlyList<GuestStatusFilter> Filters,
        IReadOnlyList<string> Schedules);

    private sealed record GuestStatusFunction(string Name, string Kind, string TechId);

    private sealed record GuestStatusPlug(string Method, string Path, string Target, string Name);

    private sealed record GuestStatusFilter(string Id, string Name);
}
