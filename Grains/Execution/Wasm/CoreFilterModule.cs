using MyOwnCluster.Routing;
using MyOwnCluster.Security;
using Wasmtime;

namespace MyOwnCluster.Execution.Wasm;

/// <summary>Filters in the <c>core</c> import module: <c>plug_filter</c>, <c>unplug_filter</c>, and <c>jwt_verify_rs256</c> for SSO filters.</summary>
public sealed class CoreFilterModule : IWasmHostModule
{
    public void Define(Linker linker) => Define(new WasmtimeHostBinder(linker, CoreModule.Name));

    /// <summary>The module's functions, for Wasmtime's linker or a micro-VM's <c>core</c> table.</summary>
    internal static void Define(HostBinder b)
    {
        b.Fn("plug_filter",
            (HostCaller caller, int namePtr, int nameLen, int startPtr, int startLen, int dataPtr, int dataLen) =>
            {
                const string function = "plug_filter";
                return GuestFilters.Plug(WasmCall.Of(caller).Guest, GuestMemory.String(caller, function, namePtr, nameLen),
                    GuestMemory.String(caller, function, startPtr, startLen), GuestMemory.String(caller, function, dataPtr, dataLen));
            });
        b.Fn("unplug_filter", (HostCaller caller, int idPtr, int idLen) =>
            GuestFilters.Unplug(WasmCall.Of(caller).Guest, GuestMemory.String(caller, "unplug_filter", idPtr, idLen)));
        b.Fn("jwt_verify_rs256", (HostCaller caller, int tokenPtr, int tokenLen, int jwksPtr, int jwksLen) =>
        {
            const string function = "jwt_verify_rs256";
            var guest = WasmCall.Of(caller).Guest;
            var token = GuestMemory.String(caller, function, tokenPtr, tokenLen);
            var jwks = GuestMemory.String(caller, function, jwksPtr, jwksLen);
            var claims = JwtRs256.Verify(token, jwks, DateTimeOffset.UtcNow, out var error);
            if (claims is null)
            {
                guest.LogGuestError(function, error ?? "invalid token");
                return 0;
            }

            return GuestBufferCalls.NewBuffer(caller, claims);
        });
    }
}
