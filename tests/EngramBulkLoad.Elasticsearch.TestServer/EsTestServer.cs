using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace EngramBulkLoad.Elasticsearch.TestServer;

/// <summary>
/// An HTTP server on 127.0.0.1 that answers the Elasticsearch client's requests as Elasticsearch 8 or 9
/// does, over documents held in <see cref="Store"/>. Started in-process by tests and benchmarks, or as an
/// executable (Program.cs) for trying `run` end to end.
/// </summary>
public sealed class EsTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EsTestServer(WebApplication app, EsStore store, EsFaults faults, Uri address)
    {
        _app = app;
        Store = store;
        Faults = faults;
        Address = address;
    }

    /// <summary>http://127.0.0.1:PORT.</summary>
    public Uri Address { get; }

    /// <summary>The indexes and points in time.</summary>
    public EsStore Store { get; }

    /// <summary>Failures to inject and counts of requests.</summary>
    public EsFaults Faults { get; }

    /// <summary>Starts a server; it listens once this returns.</summary>
    public static async Task<EsTestServer> StartAsync(EsTestServerOptions? options = null, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        options ??= new EsTestServerOptions();
        time ??= TimeProvider.System;
        var store = new EsStore(time);
        var faults = new EsFaults();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = 100 << 20; // http.max_content_length's default is 100mb.
            kestrel.Listen(IPAddress.Loopback, options.Port);
        });
        var app = builder.Build();
        var handler = new EsRequestHandler(options, store, faults);
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Urls.Select(u => new Uri(u)).First();
        return new EsTestServer(app, store, faults, new Uri($"http://127.0.0.1:{address.Port}"));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
