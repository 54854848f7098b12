using System.Collections.Concurrent;

namespace MyOwnCluster.Execution.Kvm;

/// <summary>Clean, warm micro-VMs per tech id, at most <c>maxIdlePerFunction</c> each (more could never run at once).</summary>
internal sealed class VmPool(int maxIdlePerFunction) : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<KvmMachine>> idle = new();
    private bool disposed;
    private int idleCount;

    /// <summary>Warm VMs waiting in the pool, over every function.</summary>
    public int IdleCount => Volatile.Read(ref idleCount);

    public KvmMachine? Rent(string techId)
    {
        if (idle.TryGetValue(techId, out var machines) && machines.TryTake(out var machine))
        {
            Interlocked.Decrement(ref idleCount);
            return machine;
        }

        return null;
    }

    public void Return(string techId, KvmMachine machine)
    {
        var machines = idle.GetOrAdd(techId, _ => []);
        if (Volatile.Read(ref disposed) || machines.Count >= maxIdlePerFunction)
        {
            machine.Dispose();
            return;
        }

        machines.Add(machine);
        Interlocked.Increment(ref idleCount);
    }

    /// <summary>Disposes the warm VMs of a version that is no longer kept.</summary>
    public void Drop(string techId)
    {
        if (idle.TryRemove(techId, out var machines))
        {
            while (machines.TryTake(out var machine))
            {
                Interlocked.Decrement(ref idleCount);
                machine.Dispose();
            }
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref disposed, true);
        foreach (var machines in idle.Values)
        {
            while (machines.TryTake(out var machine))
            {
                Interlocked.Decrement(ref idleCount);
                machine.Dispose();
            }
        }
    }
}
