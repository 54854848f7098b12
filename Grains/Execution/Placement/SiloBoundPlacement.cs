using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace MyOwnCluster.Execution.Placement;

/// <summary>Places a grain on the silo its string key names (<c>SiloAddress.ToParsableString()</c>), and nowhere else.</summary>
[GenerateSerializer, Immutable, Alias("moc.SiloBoundPlacement")]
public sealed class SiloBoundPlacement : PlacementStrategy
{
    public static readonly SiloBoundPlacement Instance = new();
}

/// <summary>Marks a grain class as bound to the silo its key names.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloBoundPlacementAttribute() : PlacementAttribute(SiloBoundPlacement.Instance);

/// <summary>
/// The director for <see cref="SiloBoundPlacement"/>: the silo in the key when it is an active, compatible member;
/// otherwise the activation is refused (an executor of a dead silo must not come back to life on another one).
/// </summary>
public sealed class SiloBoundPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        SiloAddress silo;
        try
        {
            silo = SiloAddress.FromParsableString(key);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or IndexOutOfRangeException)
        {
            throw new OrleansException($"'{key}' does not name a silo", e);
        }

        return context.GetCompatibleSilos(target).Contains(silo)
            ? Task.FromResult(silo)
            : throw new SiloUnavailableException($"silo {key} is not an active member of the cluster");
    }
}
