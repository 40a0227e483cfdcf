using EngramBulkLoad.Errors;
using EngramBulkLoad.Loading;
using EngramBulkLoad.Snapshot.Manifest;
using static EngramBulkLoad.Engram.Tests.TestSupport;

namespace EngramBulkLoad.Engram.Tests;

public sealed class PreflightAndAuthTests
{
    private const string Key = "engram_key_k1_s3cretvalue42";

    [Fact]
    public async Task RunAsync_NoApiKeyWhenEngramRequiresOne_StopsBeforeSendingAnything()
    {
        await using var server = await StartServerAsync(o => o.ApiKeys[Key] = null);
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 10, Token);

        var error = await Assert.ThrowsAsync<EngramException>(
            () => LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token));

        Assert.False(error.IsTransient);
        Assert.Equal(ExitCodes.Engram, error.ExitCode);
        Assert.Contains("Unauthenticated", error.Message, StringComparison.Ordinal);
        Assert.Contains("EBL_TEST_NO_SUCH_VARIABLE", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Store.RecordsReceived);
        Assert.Equal(0, server.Store.Streams);
        Assert.Equal(PartState.Embedded, snapshot.Manifest().Parts[0].State);
    }

    [Fact]
    public async Task RunAsync_WrongApiKey_StopsAndNeverPrintsTheKey()
    {
        const string Wrong = "engram_key_k1_wrongsecret99";
        await using var server = await StartServerAsync(o => o.ApiKeys[Key] = null);
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 10, Token);

        var error = await Assert.ThrowsAsync<EngramException>(
            () => LoadStage.RunAsync(snapshot.Store, Options(server, o => o.ApiKey = Wrong), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token));

        Assert.Contains("API key not found", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, error.ToString(), StringComparison.Ordinal);
        Assert.Equal("***", SecretScrubber.Scrub(Wrong));
        Assert.Equal(0, server.Store.RecordsReceived);
    }

    [Fact]
    public async Task RunAsync_KeyFromEnvironmentAndAllowedSpace_LoadsWithBearerHeader()
    {
        const string Variable = "EBL_TEST_ENGRAM_KEY_FOR_LOAD";
        Environment.SetEnvironmentVariable(Variable, Key);
        try
        {
            await using var server = await StartServerAsync(o => o.ApiKeys[Key] = new HashSet<string> { "test-space" });
            await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
            await snapshot.AddPartAsync("t", 0, 10, Token);

            var report = await LoadStage.RunAsync(snapshot.Store, Options(server, o => o.ApiKeyEnvironmentVariable = Variable), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token);

            Assert.True(report.Preflight.Authenticated);
            Assert.Equal(10, server.Store.Count("test-space"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }

    [Fact]
    public async Task RunAsync_KeyNotGrantedTheSpace_StopsWithPermissionDenied()
    {
        await using var server = await StartServerAsync(o => o.ApiKeys[Key] = new HashSet<string> { "other-space" });
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 10, Token);

        var error = await Assert.ThrowsAsync<EngramException>(
            () => LoadStage.RunAsync(snapshot.Store, Options(server, o => o.ApiKey = Key), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token));

        Assert.Contains("PermissionDenied", error.Message, StringComparison.Ordinal);
        Assert.Contains("test-space", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Store.RecordsReceived);
    }

    [Fact]
    public async Task RunAsync_PermissionRevokedDuringLoad_StopsAtOnceWithoutRetrying()
    {
        await using var server = await StartServerAsync();
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 10, Token);
        server.Faults.FailNextCalls("StreamingRemember", Grpc.Core.StatusCode.PermissionDenied, 1, "API key does not grant access to memory space 'test-space'");

        var error = await Assert.ThrowsAsync<EngramException>(
            () => LoadStage.RunAsync(snapshot.Store, Options(server), TimeProvider.System, null, Token).WaitAsync(TestTimeout, Token));

        Assert.False(error.IsTransient);
        Assert.Equal(1, server.Faults.InjectedFailures);
        Assert.Equal(0, server.Store.RecordsReceived);
    }

    [Fact]
    public void Validate_SpaceIdWithUppercase_ThrowsConfigErrorBeforeConnecting()
    {
        var options = new EngramOptions { MemorySpaceId = "Crm_Import" };

        var error = Assert.Throws<ConfigException>(() => options.Validate());

        Assert.Contains("engram.memorySpaceId", error.Message, StringComparison.Ordinal);
        Assert.Contains("'C'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PreflightAsync_VectorsOf384Dimensions_RefusedBeforeAnyCall()
    {
        await using var server = await StartServerAsync();
        await using var client = EngramClient.Create(Options(server), TimeProvider.System);

        var error = await Assert.ThrowsAsync<EngramException>(() => client.PreflightAsync(384, Token).WaitAsync(TestTimeout, Token));

        Assert.Contains("384", error.Message, StringComparison.Ordinal);
        Assert.Contains("768", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.Store.Introspects);
    }

    [Fact]
    public async Task PreflightAsync_NothingListening_RetriesThenStopsWithTransientError()
    {
        int port;
        await using (var gone = await StartServerAsync())
        {
            port = new Uri(gone.Address).Port;
        }

        var options = new EngramOptions
        {
            Address = $"http://127.0.0.1:{port}",
            MemorySpaceId = "test-space",
            MaxRetries = 2,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            RetryMaxDelay = TimeSpan.FromMilliseconds(20),
        }.Validate();
        await using var client = EngramClient.Create(options, TimeProvider.System);

        var error = await Assert.ThrowsAsync<EngramException>(() => client.PreflightAsync(768, Token).WaitAsync(TestTimeout, Token));

        Assert.True(error.IsTransient);
        Assert.Contains("Unavailable", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, client.Retries);
    }

    [Fact]
    public async Task RunAsync_TlsWithTrustedSelfSignedCertificate_Loads()
    {
        await using var server = await StartServerAsync(o =>
        {
            o.UseTls = true;
            o.ApiKeys[Key] = null;
        });
        await using var snapshot = await TestSnapshot.CreateAsync(cancellationToken: Token);
        await snapshot.AddPartAsync("t", 0, 30, Token);

        var report = await LoadStage.RunAsync(
            snapshot.Store,
            Options(server, o =>
            {
                o.TlsTrustedCertificatePath = server.CertificatePemPath;
                o.ApiKey = Key;
            }),
            TimeProvider.System,
            null,
            Token).WaitAsync(TestTimeout, Token);

        Assert.StartsWith("https://", server.Address, StringComparison.Ordinal);
        Assert.Equal(30, report.RecordsLoaded);
    }

    [Fact]
    public async Task PreflightAsync_TlsCertificateNotTrusted_Fails()
    {
        await using var server = await StartServerAsync(o => o.UseTls = true);
        await using var client = EngramClient.Create(Options(server, o => o.MaxRetries = 0), TimeProvider.System);

        var error = await Assert.ThrowsAsync<EngramException>(() => client.PreflightAsync(768, Token).WaitAsync(TestTimeout, Token));

        Assert.Equal(0, server.Store.Introspects);
        Assert.Contains("preflight", error.Message, StringComparison.Ordinal);
    }
}
