using MyOwnCluster.Buffers;

namespace MyOwnCluster.Execution;

/// <summary>
/// The engine-neutral half of <c>core.call_function_async</c> and <c>core.await_invocation</c>: record a call to run
/// later (it outlives the caller, so it is also how a function schedules work after its response), and wait for one.
/// </summary>
public static class GuestAsyncCalls
{
    /// <summary>await_invocation's answers.</summary>
    public const int Done = 0, StillRunning = 1, Failed = 2, Cancelled = 3, Error = -1;

    /// <summary>The invocation id; null (reason in the caller's log) when it was not recorded.</summary>
    public static string? Submit(GuestContext guest, string name, string start, IReadOnlyList<long> arguments, int inputBufferId)
    {
        const string hostFunction = "call_function_async";
        if (guest.Calls is null)
        {
            guest.LogGuestError(hostFunction, "calls to other functions are not available in this host");
            return null;
        }

        var input = ExchangeBufferData.Empty;
        if (inputBufferId != 0)
        {
            if (guest.FindBuffer(hostFunction, inputBufferId) is not { } buffer)
            {
                return null;
            }

            input = buffer.ToData();
        }

        var request = new InvocationRequest(name, start.Length == 0 ? "_start" : start, InvocationMode.Direct, arguments, input);
        var submitted = guest.Calls.SubmitAsync(guest, request);
        if (submitted.Id is null)
        {
            guest.LogGuestError(hostFunction, submitted.Refused ?? "refused");
        }

        return submitted.Id;
    }

    /// <summary>
    /// As <see cref="Submit"/>, with buffer grain <paramref name="bufferGrainId"/> as the input by reference: the
    /// invocation records the id, not the bytes, and each attempt reads the buffer when it starts (it must then still
    /// exist and fit <c>Limits:MaxBufferBytes</c>).
    /// </summary>
    public static string? SubmitOnBufferGrain(GuestContext guest, string name, string start, IReadOnlyList<long> arguments, string bufferGrainId)
    {
        const string hostFunction = "call_function_async_on_buffer_grain";
        if (guest.Calls is null)
        {
            guest.LogGuestError(hostFunction, "calls to other functions are not available in this host");
            return null;
        }

        if (GuestBufferGrains.Info(guest, hostFunction, bufferGrainId) is not { } info || !guest.WithinBufferCap(hostFunction, "input", (int)Math.Min(info.Length, int.MaxValue)))
        {
            return null;
        }

        var request = new InvocationRequest(name, start.Length == 0 ? "_start" : start, InvocationMode.Direct, arguments, ExchangeBufferData.Empty)
        {
            InputBuffer = bufferGrainId,
        };
        var submitted = guest.Calls.SubmitAsync(guest, request);
        if (submitted.Id is null)
        {
            guest.LogGuestError(hostFunction, submitted.Refused ?? "refused");
        }

        return submitted.Id;
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> (never past the caller's deadline) for the invocation; once done, its
    /// result and, when <paramref name="outputBufferId"/> is not 0, its output copied into that buffer.
    /// </summary>
    public static int Await(GuestContext guest, string id, int timeoutMs, int outputBufferId, out long result, out AsyncInvocationStatus? status)
    {
        const string hostFunction = "await_invocation";
        result = -1;
        status = null;
        if (guest.Calls is null)
        {
            guest.LogGuestError(hostFunction, "calls to other functions are not available in this host");
            return Error;
        }

        ExchangeBuffer? output = null;
        if (outputBufferId != 0 && (output = guest.FindBuffer(hostFunction, outputBufferId)) is null)
        {
            return Error;
        }

        status = guest.Calls.Await(id, Math.Clamp(timeoutMs, 0, guest.Tree.RemainingMs));
        if (status is null)
        {
            guest.LogGuestError(hostFunction, $"no invocation '{id}'");
            return Error;
        }

        switch (status.State)
        {
            case AsyncInvocationState.Done:
                result = status.Result ?? 0;
                if (output is not null && status.Output is { } data)
                {
                    if (!guest.WithinBufferCap(hostFunction, "output", data.Body.Length))
                    {
                        return Error;
                    }

                    output.ReplaceWith(data);
                }

                return Done;
            case AsyncInvocationState.Failed:
                guest.LogGuestError(hostFunction, $"invocation {id} failed: {status.Error}");
                return Failed;
            case AsyncInvocationState.Cancelled:
                return Cancelled;
            default:
                return StillRunning;
        }
    }
}
