using System.Text.Json;
using MyOwnCluster.Buffers;
using MyOwnCluster.Execution;

namespace MyOwnCluster.Async;

/// <summary>
/// The stored form of an asynchronous invocation (JSON in the store's <c>record</c> column): the call as submitted,
/// where it stands, and every attempt. New fields must be optional: rows written by earlier versions are read back.
/// </summary>
public sealed class InvocationRecord
{
    public string Id { get; set; } = "";

    public string Function { get; set; } = "";

    public string StartFunction { get; set; } = "_start";

    public InvocationMode Mode { get; set; }

    public List<long> Arguments { get; set; } = [];

    public int InputStatus { get; set; } = 200;

    public Dictionary<string, string> InputHeaders { get; set; } = [];

    public byte[] Input { get; set; } = [];

    public List<string> PosixArguments { get; set; } = [];

    public Dictionary<string, string> Env { get; set; } = [];

    public string? Program { get; set; }

    public string? Callback { get; set; }

    /// <summary>A buffer grain read as the input when an attempt starts (instead of <see cref="Input"/>).</summary>
    public string? InputBuffer { get; set; }

    /// <summary>Submitted by a running function: its call path, so depth and cycles are checked when this runs.</summary>
    public List<string>? CallPath { get; set; }

    public AsyncInvocationState State { get; set; }

    public DateTimeOffset AcceptedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public List<AsyncAttempt> Attempts { get; set; } = [];

    public long? Result { get; set; }

    public byte[]? Output { get; set; }

    public int? OutputStatus { get; set; }

    public Dictionary<string, string>? OutputHeaders { get; set; }

    public string? Error { get; set; }

    public byte[]? Stderr { get; set; }

    [System.Text.Json.Serialization.JsonIgnore]
    public bool Finished => State is AsyncInvocationState.Done or AsyncInvocationState.Failed or AsyncInvocationState.Cancelled;

    public static InvocationRecord From(string id, InvocationRequest request, string? callback, DateTimeOffset now) => new()
    {
        Id = id,
        Function = request.Function,
        StartFunction = request.StartFunction,
        Mode = request.Mode,
        Arguments = [.. request.Arguments],
        InputStatus = request.Input.StatusCode,
        InputHeaders = new(request.Input.Headers),
        Input = request.Input.Body,
        PosixArguments = [.. request.PosixArguments],
        Env = new(request.Environment),
        Program = request.Program,
        Callback = callback,
        InputBuffer = request.InputBuffer,
        CallPath = request.CallPath.Count > 0 ? [.. request.CallPath] : null,
        State = AsyncInvocationState.Pending,
        AcceptedAt = now,
    };

    /// <summary>The stored record; <see cref="UnreadableInvocationException"/> when it is not one this version can read.</summary>
    public static InvocationRecord Read(StoredInvocation stored)
    {
        try
        {
            return JsonSerializer.Deserialize<InvocationRecord>(stored.Record, StoredJson) ?? throw new JsonException("an empty record");
        }
        catch (JsonException e)
        {
            throw new UnreadableInvocationException(
                $"invocation '{stored.Id}' has a stored record this silo cannot read ({e.Message}); it is left as it is", e);
        }
    }

    public byte[] ToBytes() => JsonSerializer.SerializeToUtf8Bytes(this, StoredJson);

    /// <summary>
    /// The wire convention, less every field that holds what a new record holds (empty headers, input, arguments and
    /// environment, status 200, mode direct): a row is rewritten at each claim and end, so its size is what a drain
    /// writes. Reading fills what is left out from the same defaults, so rows of either form read back the same.
    /// </summary>
    private static readonly JsonSerializerOptions StoredJson = new(WireJson.Options)
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver { Modifiers = { OmitDefaults } },
    };

    private static void OmitDefaults(System.Text.Json.Serialization.Metadata.JsonTypeInfo type)
    {
        if (type.Type != typeof(InvocationRecord))
        {
            return;
        }

        var fresh = new InvocationRecord();
        foreach (var property in type.Properties)
        {
            if (property.Get?.Invoke(fresh) is not { } initial)
            {
                continue;
            }

            property.ShouldSerialize = initial switch
            {
                System.Collections.ICollection => (_, value) => value is not System.Collections.ICollection { Count: 0 },
                _ => (_, value) => !initial.Equals(value),
            };
        }
    }

    public InvocationRequest ToRequest() =>
        new(Function, StartFunction, Mode, Arguments, new ExchangeBufferData(InputStatus, InputHeaders, Input))
        {
            PosixArguments = PosixArguments,
            Environment = Env,
            Program = Program,
            CallPath = CallPath ?? [],
            InputBuffer = InputBuffer,
        };

    public AsyncInvocationStatus ToStatus() => new(
        Id, Function, State, [.. Attempts], AcceptedAt, FinishedAt, Result,
        Output is null ? null : new ExchangeBufferData(OutputStatus ?? 200, OutputHeaders ?? [], Output), Error, Stderr);
}
