using System.Text.Json;
using EngramBulkLoad.Elasticsearch.TestServer;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Identity;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Sources.Elasticsearch.Tests;

/// <summary>Elasticsearch-specific reading: patterns, slices, expiring points in time, 429s, document shapes.</summary>
public sealed class ElasticsearchReadTests
{
    private static CancellationToken Ct => EsFixture.Ct;

    [Fact]
    public async Task Read_PatternOverSeveralIndexes_EveryDocumentOnceKeyedByIndexAndId()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        EsFixture.Seed(server, "logs-2024.01", 30);
        EsFixture.Seed(server, "logs-2024.02", 20);
        EsFixture.Seed(server, "other", 5);
        await using var source = EsFixture.Source(server, """[ { "index": "logs-*", "name": "logs", "text": "body", "sortField": "n" } ]""", "\"pageSize\": 7");

        await source.CheckAsync(Ct);
        var records = (await EsFixture.ReadAllAsync(source, "logs")).Select(i => i.Record!).ToList();

        Assert.Equal(50, records.Count);
        Assert.Equal(50, records.Select(r => r.MemoryId).Distinct().Count());
        Assert.Contains(records, r => r.SourceKey == SourceKey.Format(["logs-2024.01", "1"]));
        Assert.Contains(records, r => r.SourceKey == SourceKey.Format(["logs-2024.02", "1"]));
        Assert.Equal(50, await source.EstimateCountAsync("logs", Ct));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("n")]
    public async Task Read_Slices_UnionIsTheWholeIndexExactlyOnce(string? sliceField)
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        EsFixture.Seed(server, "articles", 301);
        var slice = sliceField is null ? string.Empty : $", \"sliceField\": \"{sliceField}\"";
        await using var source = EsFixture.Source(server, $$"""[ { "index": "articles", "text": "body", "slices": 4 {{slice}} } ]""", "\"pageSize\": 10");

        var items = await EsFixture.ReadAllAsync(source, "articles");

        Assert.Equal(Keys(301), items.Select(i => i.Record!.SourceKey).Order(StringComparer.Ordinal));
        var cursor = JsonDocument.Parse(items[^1].Position.Cursor).RootElement;
        Assert.Equal(4, cursor.GetProperty("slices").GetArrayLength());
        Assert.Equal(0, server.Faults.Scrolls);
        Assert.Equal(0, server.Store.OpenPits);
    }

    [Theory]
    [InlineData(1, null)]
    [InlineData(3, "n")]
    public async Task Read_PitExpiresMidRead_WithSortField_ReopensAndReadsEveryDocumentOnce(int slices, string? sliceField)
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        EsFixture.Seed(server, "articles", 200);
        server.Faults.ExpirePitAtSearch = search => search == 4;
        var slice = sliceField is null ? string.Empty : $", \"sliceField\": \"{sliceField}\"";
        await using var source = EsFixture.Source(server, $$"""[ { "index": "articles", "text": "body", "sortField": "n", "slices": {{slices}} {{slice}} } ]""", "\"pageSize\": 15");

        var items = await EsFixture.ReadAllAsync(source, "articles");

        Assert.Equal(Keys(200), items.Select(i => i.Record!.SourceKey).Order(StringComparer.Ordinal));
        Assert.True(server.Faults.Searches > 4);
    }

    [Fact]
    public async Task Read_PitExpiresMidRead_WithoutSortField_FailsSayingToSetOne()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        EsFixture.Seed(server, "articles", 100);
        server.Faults.ExpirePitAtSearch = search => search == 2;
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": "body" } ]""", "\"pageSize\": 10");

        var error = await Assert.ThrowsAsync<SourceException>(() => EsFixture.ReadAllAsync(source, "articles"));

        Assert.Contains("point in time expired", error.Message, StringComparison.Ordinal);
        Assert.Contains("search_context_missing_exception", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"sortField\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_ResumeAfterThePitExpired_ContinuesAfterTheCursorWithoutGapsOrDuplicates()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        EsFixture.Seed(server, "articles", 120);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": "body", "sortField": "n" } ]""", "\"pageSize\": 25");
        var first = await source.ReadAsync("articles", null, Ct).Take(47).ToListAsync(Ct);
        server.Store.ExpirePits();

        var rest = await EsFixture.ReadAllAsync(source, "articles", first[^1].Position.Cursor);

        Assert.Equal(Keys(120), first.Concat(rest).Select(i => i.Record!.SourceKey).Order(StringComparer.Ordinal));
        Assert.Equal(120, first.Concat(rest).Select(i => i.Record!.SourceKey).Distinct().Count());
    }

    [Fact]
    public async Task Read_ResumeWhileThePitLives_WithoutSortField_ContinuesExactly()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        EsFixture.Seed(server, "articles", 90);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": "body" } ]""", "\"pageSize\": 20");
        var first = await source.ReadAsync("articles", null, Ct).Take(33).ToListAsync(Ct);
        // A document indexed after the point in time was opened is not part of the resumed read.
        server.Store.Find("articles")!.Index("91", """{ "n": 91, "body": "late" }""");

        var rest = await EsFixture.ReadAllAsync(source, "articles", first[^1].Position.Cursor);

        Assert.Equal(Keys(90), first.Concat(rest).Select(i => i.Record!.SourceKey).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Read_429s_AreRetriedWithBackoffAndTheReadCompletes()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        EsFixture.Seed(server, "articles", 40);
        server.Faults.RejectNextSearches(3);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": "body" } ]""", "\"pageSize\": 10");

        var items = await EsFixture.ReadAllAsync(source, "articles");

        Assert.Equal(40, items.Count);
        Assert.Equal(3, server.Faults.Rejected);
        Assert.Equal(3, ((ElasticsearchSource)source).Retries);
    }

    [Fact]
    public async Task Read_429sBeyondMaxRetries_FailsAsTransientNamingTheRejection()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        EsFixture.Seed(server, "articles", 10);
        server.Faults.RejectNextSearches(10);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": "body" } ]""", "\"maxRetries\": 2");

        var error = await Assert.ThrowsAsync<SourceException>(() => EsFixture.ReadAllAsync(source, "articles"));

        Assert.True(error.IsTransient);
        Assert.Contains("429", error.Message, StringComparison.Ordinal);
        Assert.Contains("es_rejected_execution_exception", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.Faults.Rejected);
    }

    [Fact]
    public async Task Read_DocumentWithoutTheContentField_IsARejectThatNamesIt()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        var index = server.Store.CreateIndex("articles");
        index.Index("a", """{ "body": "has a body" }""");
        index.Index("b", """{ "title": "no body here" }""");
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": "body" } ]""");

        var items = await EsFixture.ReadAllAsync(source, "articles");

        Assert.Equal("has a body", Assert.Single(items, i => i.Record is not null).Record!.Content);
        var reject = Assert.Single(items, i => i.Reject is not null).Reject!;
        Assert.Equal(("b", RejectCodes.EmptyText), (reject.SourceKey, reject.Code));
        Assert.Contains("'body'", reject.Message, StringComparison.Ordinal);
        Assert.Equal("document b in index articles", reject.Location);
    }

    [Fact]
    public async Task Read_NestedObjectsAndArrays_FlattenToDottedFieldsAndKeepArrays()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        server.Store.CreateIndex("articles").Index("x1", """
            { "title": "Nested", "author": { "name": "Ada", "address": { "city": "London" } }, "tags": ["math", "engines"],
              "comments": [ { "by": "Charles", "text": "Bravo" } ], "empty": {} }
            """);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "template": "{title} by {author.name}" } ]""");
        await using var tagsAsText = EsFixture.Source(server, """[ { "index": "articles", "text": "tags" } ]""");

        var record = Assert.Single(await EsFixture.ReadAllAsync(source, "articles")).Record!;
        var tags = Assert.Single(await EsFixture.ReadAllAsync(tagsAsText, "articles")).Record!;

        Assert.Equal("Nested by Ada", record.Content);
        Assert.Equal("math, engines", tags.Content);
        var metadata = JsonDocument.Parse(record.MetadataJson).RootElement;
        Assert.Equal("London", metadata.GetProperty("author.address.city").GetString());
        Assert.Equal(["math", "engines"], metadata.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("Charles", metadata.GetProperty("comments")[0].GetProperty("by").GetString());
        Assert.Equal("articles", metadata.GetProperty("_index").GetString());
        Assert.False(metadata.TryGetProperty("author", out _));
    }

    [Fact]
    public async Task Read_20MBDocument_StagedWhole_OrRejectedOverTheLimit()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        var body = string.Create(20 << 20, 0, static (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + (i % 26));
            }
        });
        server.Store.CreateIndex("big").Index("huge", JsonSerializer.Serialize(new { body }));
        await using var roomy = EsFixture.Source(server, """[ { "index": "big", "text": "body", "maxContentBytes": 33554432 } ]""");
        await using var strict = EsFixture.Source(server, """[ { "index": "big", "text": "body" } ]""");

        var staged = Assert.Single(await EsFixture.ReadAllAsync(roomy, "big")).Record!;
        var rejected = Assert.Single(await EsFixture.ReadAllAsync(strict, "big")).Reject!;

        Assert.Equal(ContentHash.Of(body), staged.ContentHash);
        Assert.Equal(body.Length, staged.Content.Length);
        Assert.Equal(RejectCodes.TextTooLarge, rejected.Code);
    }

    [Fact]
    public async Task Read_QueryAndSourceFiltering_ReadOnlyMatchingDocumentsWithoutExcludedFields()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        var index = server.Store.CreateIndex("articles");
        index.Map("status", FieldType.Keyword);
        for (var i = 1; i <= 30; i++)
        {
            index.Index($"d{i}", $$"""{ "status": "{{(i % 3 == 0 ? "draft" : "published")}}", "body": "text {{i}}", "secret": "s{{i}}", "n": {{i}} }""");
        }

        await using var source = EsFixture.Source(server, """
            [ { "index": "articles", "text": "body", "query": { "bool": { "filter": [ { "term": { "status": "published" } }, { "range": { "n": { "lte": 20 } } } ] } },
                "source": { "excludes": ["secret"] } } ]
            """);

        await source.CheckAsync(Ct);
        var records = (await EsFixture.ReadAllAsync(source, "articles")).Select(i => i.Record!).ToList();

        Assert.Equal(14, records.Count);
        Assert.All(records, r => Assert.DoesNotContain("secret", r.MetadataJson, StringComparison.Ordinal));
        Assert.Equal(14, await source.EstimateCountAsync("articles", Ct));
    }

    [Fact]
    public async Task Read_ReferenceFields_BecomeEdgesToTheReferencedDocuments()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        var index = server.Store.CreateIndex("posts");
        index.Index("p1", """{ "body": "root" }""");
        index.Index("p2", """{ "body": "reply", "parent": "p1" }""");
        await using var source = EsFixture.Source(server, """[ { "index": "posts", "text": "body", "references": [ { "fields": "parent", "references": "posts", "relation": "reply_to" } ] } ]""");

        var items = await EsFixture.ReadAllAsync(source, "posts");

        var edge = Assert.Single(items.SelectMany(i => i.Edges));
        Assert.Equal(MemoryIdentity.ForRecord("elasticsearch", "es", "posts", "p2"), edge.FromMemoryId);
        Assert.Equal(MemoryIdentity.ForRecord("elasticsearch", "es", "posts", "p1"), edge.ToMemoryId);
        Assert.Equal("reply_to", edge.Relation);
    }

    [Fact]
    public async Task Backfill_ByWatermark_ReadsOnlyDocumentsChangedSinceAndWithinTheRange()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        var index = EsFixture.Seed(server, "articles", 10);
        var source = (ElasticsearchSource)EsFixture.Source(server, """[ { "index": "articles", "text": "body", "watermark": "updated" } ]""");
        await using var _ = source;
        var mark = await source.ReadWatermarkAsync("articles", null, Ct);
        index.Index("3", """{ "n": 3, "body": "changed", "updated": "2024-06-01T00:00:00Z" }""");
        index.Index("11", """{ "n": 11, "body": "new", "updated": "2024-06-02T00:00:00Z" }""");

        var upTo = await source.ReadWatermarkAsync("articles", mark, Ct);
        var items = await EsFixture.ReadAllAsync(source, "articles", source.BackfillCursor("articles", mark, upTo!));

        Assert.Equal(DateTimeOffset.Parse("2024-01-11T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), mark);
        Assert.Equal(["11", "3"], items.Select(i => i.Record!.SourceKey).Order(StringComparer.Ordinal));
        Assert.Null(await source.ReadWatermarkAsync("articles", upTo, Ct));
    }

    [Fact]
    public async Task Check_SortFieldMissingInSomeDocuments_FailsCountingThem()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        var index = EsFixture.Seed(server, "articles", 5);
        index.Index("x", """{ "body": "no n" }""");
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": "body", "sortField": "n" } ]""");

        var error = await Assert.ThrowsAsync<SourceException>(() => source.CheckAsync(Ct));

        Assert.Contains("1 document(s) have no value in sortField 'n'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_SortFieldIsText_FailsWithTheServersFielddataMessage()
    {
        await using var server = await EsTestServer.StartAsync(cancellationToken: Ct);
        EsFixture.Seed(server, "articles", 5);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": "body", "sortField": "title" } ]""");

        var error = await Assert.ThrowsAsync<SourceException>(() => EsFixture.ReadAllAsync(source, "articles"));

        Assert.Contains("Text fields are not optimised", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"sortField\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"username\": \"reader\", \"password\": \"wrong-password-41\"", "wrong-password-41")]
    [InlineData("\"apiKey\": \"d3Jvbmc6a2V5LTQx\"", "d3Jvbmc6a2V5LTQx")]
    public async Task Check_WrongCredentials_RefusedWithoutPrintingThem(string credentials, string secret)
    {
        var options = new EsTestServerOptions();
        options.Users["reader"] = "right-password";
        options.ApiKeys.Add("cmlnaHQ6a2V5");
        await using var server = await EsTestServer.StartAsync(options, cancellationToken: Ct);
        EsFixture.Seed(server, "articles", 3);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": "body" } ]""", credentials);

        var error = await Assert.ThrowsAsync<SourceException>(() => source.CheckAsync(Ct));

        Assert.Contains("refused the credentials", error.Message, StringComparison.Ordinal);
        Assert.Contains("security_exception", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, source.DescribeSettings().ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_ApiKey_IsAccepted()
    {
        var options = new EsTestServerOptions();
        options.ApiKeys.Add("cmlnaHQ6a2V5");
        await using var server = await EsTestServer.StartAsync(options, cancellationToken: Ct);
        EsFixture.Seed(server, "articles", 3);
        await using var source = EsFixture.Source(server, """[ { "index": "articles", "text": "body" } ]""", "\"apiKey\": \"cmlnaHQ6a2V5\"");

        await source.CheckAsync(Ct);

        Assert.Equal(3, (await EsFixture.ReadAllAsync(source, "articles")).Count);
    }

    private static IEnumerable<string> Keys(int count)
        => Enumerable.Range(1, count).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal);
}
