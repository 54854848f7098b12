namespace MyOwnCluster.Execution;

/// <summary>
/// The memory budget of one call tree (<see cref="ExecutionOptions.CallTreeMemoryBytes"/>), and this silo's share of
/// all of them (<see cref="ExecutionOptions.SiloCallMemoryBytes"/>, for the invoker's trees). A refused charge marks the
/// tree exhausted: the call then fails as a whole, whatever its guest does with the error value it got.
/// </summary>
public sealed class CallTreeMemory(long budget, long siloBudget, bool counted)
{
    private static long siloCharged;
    private long charged;

    /// <summary>Bytes held by the invoker's call trees alive on this silo.</summary>
    public static long SiloCharged => Interlocked.Read(ref siloCharged);

    public long Budget => budget;

    public long Charged => Interlocked.Read(ref charged);

    /// <summary>A charge was refused: the tree's call fails with <see cref="InvocationOutcome.OutOfMemory"/>.</summary>
    public bool Exhausted { get; private set; }

    /// <summary>Why the tree failed, for the call's error.</summary>
    public string Reason { get; private set; } = "";

    /// <summary>Charges <paramref name="bytes"/> (a negative number gives back); false, and the tree exhausted, when it does not fit.</summary>
    public bool TryCharge(long bytes)
    {
        if (bytes <= 0)
        {
            Give(-bytes);
            return true;
        }

        if (Exhausted)
        {
            return false;
        }

        if (Interlocked.Read(ref charged) + bytes > budget)
        {
            return Refuse($"the call tree passed its memory budget of {budget} bytes (Limits:CallTreeMemoryBytes)");
        }

        if (counted && Interlocked.Add(ref siloCharged, bytes) > siloBudget)
        {
            Interlocked.Add(ref siloCharged, -bytes);
            return Refuse($"the silo's memory for calls ({siloBudget} bytes, Limits:SiloCallMemoryBytes) is taken by other calls");
        }

        Interlocked.Add(ref charged, bytes);
        return true;
    }

    /// <summary>Charges what the platform itself put in the tree (a request, a remote callee's output): never refused, but past the budget the tree is exhausted.</summary>
    public void Force(long bytes)
    {
        if (bytes <= 0)
        {
            Give(-bytes);
            return;
        }

        if (!TryCharge(bytes))
        {
            Interlocked.Add(ref charged, bytes);
            if (counted)
            {
                Interlocked.Add(ref siloCharged, bytes);
            }
        }
    }

    /// <summary>The tree ended: everything it held is given back.</summary>
    public void ReleaseAll() => Give(Interlocked.Read(ref charged));

    private void Give(long bytes)
    {
        if (bytes == 0)
        {
            return;
        }

        Interlocked.Add(ref charged, -bytes);
        if (counted)
        {
            Interlocked.Add(ref siloCharged, -bytes);
        }
    }

    private bool Refuse(string reason)
    {
        if (!Exhausted)
        {
            Reason = reason;
            Exhausted = true;
        }

        return false;
    }
}
