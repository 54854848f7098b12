namespace MyOwnCluster.Routing;

/// <summary>How long a route or filter table subscription lasts, and how often its subscribers renew it.</summary>
public static class TableSubscription
{
    /// <summary>A subscriber that stopped renewing (a gateway that died) is dropped after this long.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Renewal also re-subscribes after the table's grain reactivated on another silo (its silo died) and lost its
    /// subscribers: the version it returns tells the subscriber whether it missed an edit meanwhile.
    /// </summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);
}
