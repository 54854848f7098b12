using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace MyOwnCluster.Silo.Hosting;

/// <summary>
/// The server of a <c>worker</c> silo: it listens nowhere. Without it the web host would bind Kestrel's default
/// http://localhost:5000; a worker runs grains and engines and is reached only through Orleans.
/// </summary>
public sealed class NoHttpServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
