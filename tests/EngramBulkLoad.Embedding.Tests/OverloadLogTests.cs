using EngramBulkLoad.Embedding.Grpc;
using EngramBulkLoad.Embedding.Service.Admission;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EngramBulkLoad.Embedding.Tests;

public sealed class OverloadLogTests
{
    [Fact]
    public void Refused_ManyTimesInOneEpisode_OneWarningAndTheRestAtDebug()
    {
        var logger = new ListLogger();
        var time = new FakeTimeProvider();
        var log = new OverloadLog(logger, "mpnet", time);

        for (var i = 0; i < 100; i++)
        {
            log.Refused("queue_tokens", TimeSpan.FromMilliseconds(250));
            time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal(1, logger.Count(LogLevel.Warning));
        Assert.Equal(99, logger.Count(LogLevel.Debug));
        Assert.Contains("retry in 250 ms", logger.Lines[0].Message, StringComparison.Ordinal);
        Assert.True(log.InEpisode);
    }

    [Fact]
    public void Admitted_AfterAQuietPeriod_EndsTheEpisodeSoTheNextOverloadWarnsAgain()
    {
        var logger = new ListLogger();
        var time = new FakeTimeProvider();
        var log = new OverloadLog(logger, "mpnet", time);
        log.Refused("deadline", TimeSpan.FromSeconds(1));
        log.Refused("deadline", TimeSpan.FromSeconds(1));

        time.Advance(OverloadLog.QuietPeriod - TimeSpan.FromSeconds(1));
        log.Admitted();
        var stillOpen = log.InEpisode;
        time.Advance(TimeSpan.FromSeconds(1));
        log.Admitted();
        var closed = !log.InEpisode;
        log.Refused("queue_texts", TimeSpan.FromSeconds(1));

        Assert.True(stillOpen);
        Assert.True(closed);
        Assert.Contains(logger.Lines, l => l.Level == LogLevel.Information && l.Message.Contains("overload over; 2 requests refused", StringComparison.Ordinal));
        Assert.Equal(2, logger.Count(LogLevel.Warning));
    }

    [Theory]
    [InlineData("all-mpnet-base-v2", "'all-mpnet-base-v2'")]
    [InlineData("evil\nINFO forged line", "'evil\\nINFO forged line'")]
    [InlineData("quote ' and \\ and \u001b[31m", "'quote \\' and \\\\ and \\u001b[31m'")]
    [InlineData("line\u2028sep", "'line\\u2028sep'")]
    public void Quote_CallerString_IsEscapedOnOneLine(string value, string expected)
    {
        Assert.Equal(expected, CallerText.Quote(value));
    }

    [Fact]
    public void Quote_LongCallerString_IsCutAndSaysHowLongItWas()
    {
        var quoted = CallerText.Quote(new string('x', 10_000));

        Assert.Equal($"'{new string('x', CallerText.MaxChars)}' (cut; 10000 chars in all)", quoted);
    }

    [Fact]
    public void Quote_CutInsideASurrogatePair_KeepsTheStringWellFormed()
    {
        var value = new string('a', CallerText.MaxChars - 1) + "😀tail";

        var quoted = CallerText.Quote(value);

        Assert.StartsWith($"'{new string('a', CallerText.MaxChars - 1)}' (cut;", quoted, StringComparison.Ordinal);
    }

    internal sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Lines { get; } = [];

        public int Count(LogLevel level) => Lines.Count(l => l.Level == level);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
