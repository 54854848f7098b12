using MyOwnCluster.Execution;
using MyOwnCluster.Functions;

namespace MyOwnCluster.Routing;

/// <summary>
/// The engine-neutral half of <c>core.plug_filter</c> / <c>core.unplug_filter</c>: a guest plugs a filter on every
/// routed request (no paths) or removes one by id. Host calls run on a thread-pool thread: blocking is safe here.
/// </summary>
public static class GuestFilters
{
    private const string Unavailable = "filters are not available in this host";

    /// <summary>A buffer holding the new filter's id; 0 (and the reason logged) when refused.</summary>
    public static int Plug(GuestContext guest, string name, string start, string data)
    {
        if (!guest.Allows("plug_filter", FunctionCapabilities.Filters) || guest.GrainsFor("plug_filter", Unavailable) is not { } grains)
        {
            return 0;
        }

        try
        {
            if (grains.GetGrain<IFunctionGrain>(name).GetAsync().GetAwaiter().GetResult() is null)
            {
                guest.LogGuestError("plug_filter", $"nothing is registered under the name '{name}'");
                return 0;
            }

            var filter = new Filter("", name, string.IsNullOrEmpty(start) ? "_start" : start, data, []);
            var added = grains.GetGrain<IFilterTableGrain>(0).AddAsync(filter).GetAwaiter().GetResult();
            return guest.RegisterBuffer(System.Text.Encoding.UTF8.GetBytes(added.Id));
        }
        catch (Exception e)
        {
            guest.LogGuestError("plug_filter", e.Message);
            return 0;
        }
    }

    /// <summary>0 once removed; -1 (and the reason logged) when there is no such filter.</summary>
    public static int Unplug(GuestContext guest, string id)
    {
        if (!guest.Allows("unplug_filter", FunctionCapabilities.Filters) || guest.GrainsFor("unplug_filter", Unavailable) is not { } grains)
        {
            return -1;
        }

        try
        {
            if (grains.GetGrain<IFilterTableGrain>(0).RemoveAsync(id).GetAwaiter().GetResult())
            {
                return 0;
            }

            guest.LogGuestError("unplug_filter", $"no filter has the id '{id}'");
            return -1;
        }
        catch (Exception e)
        {
            guest.LogGuestError("unplug_filter", e.Message);
            return -1;
        }
    }
}
