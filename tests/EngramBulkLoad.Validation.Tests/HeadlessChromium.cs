using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EngramBulkLoad.Validation.Tests;

/// <summary>
/// Lays a report out in headless Chromium (the Debian package <c>chromium</c>) at a 1280×800 first screen
/// and measures where elements fall. The report is loaded untouched in an iframe of that size; a wrapper
/// page in a folder of its own reads the frame's layout and writes it into its own DOM, which
/// <c>--dump-dom</c> prints once the page's virtual time has run out.
/// </summary>
internal static partial class HeadlessChromium
{
    public const int ScreenWidth = 1280;
    public const int ScreenHeight = 800;

    private static readonly string[] Names = ["chromium", "chromium-browser", "google-chrome"];

    /// <summary>The browser: EBL_CHROMIUM when set (null when it names no file), else the first of chromium, chromium-browser, google-chrome on the PATH; null when none.</summary>
    public static string? Find()
    {
        if (Environment.GetEnvironmentVariable("EBL_CHROMIUM") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        var folders = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return Names.SelectMany(name => folders.Select(folder => Path.Combine(folder, name))).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// The browser, or a skip with the reason; under CI=true a missing browser fails the test, since
    /// test.sh installs it there and a silent skip would hide that the layout was never checked.
    /// </summary>
    public static string Require()
    {
        if (Find() is { } found)
        {
            return found;
        }

        var reason = Environment.GetEnvironmentVariable("EBL_CHROMIUM") is { Length: > 0 } configured
            ? $"Chromium not found: EBL_CHROMIUM names {configured}, which does not exist, so the report's layout in a browser is not checked. Point it at the browser, or unset it to use chromium from the PATH (apt-get install -y chromium)."
            : "Chromium not found (chromium, chromium-browser or google-chrome on the PATH, or EBL_CHROMIUM): the report's layout in a browser is not checked. Install it with: apt-get install -y chromium (test.sh does).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(reason);
        }

        Assert.Skip(reason);
        return string.Empty;
    }

    /// <summary>
    /// The bounding boxes, in the first screen's coordinates, of the first element matching each CSS
    /// selector in the page at <paramref name="htmlPath"/>, with its text; null for a selector that matches nothing.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, Box?>> MeasureAsync(string chromium, string htmlPath, IReadOnlyList<string> selectors, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("ebl-chromium-");
        try
        {
            var wrapper = Path.Combine(folder.FullName, "measure.html");
            await File.WriteAllTextAsync(wrapper, Wrapper(new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri, selectors), cancellationToken);
            var dom = await RunAsync(chromium, folder.FullName, new Uri(wrapper).AbsoluteUri, cancellationToken);
            var match = ResultPattern().Match(dom);
            Assert.True(match.Success, $"Chromium's DOM has no measurement; it printed: {(dom.Length > 2000 ? dom[..2000] : dom)}");
            var text = WebUtility.HtmlDecode(match.Groups[1].Value);
            Assert.False(text.StartsWith("error", StringComparison.Ordinal), $"The measuring page failed: {text}");
            using var json = JsonDocument.Parse(text);
            return selectors.ToDictionary(
                selector => selector,
                selector => json.RootElement.GetProperty(selector) is { ValueKind: JsonValueKind.Object } box
                    ? new Box(box.GetProperty("top").GetDouble(), box.GetProperty("bottom").GetDouble(), box.GetProperty("text").GetString() ?? string.Empty)
                    : (Box?)null);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<string> RunAsync(string chromium, string profile, string url, CancellationToken cancellationToken)
    {
        // --allow-file-access-from-files lets the wrapper read the layout of the report's frame (both file: URLs);
        // --virtual-time-budget waits until the frame has loaded and laid out before the DOM is dumped.
        var start = new ProcessStartInfo(chromium)
        {
            ArgumentList =
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--allow-file-access-from-files",
                $"--user-data-dir={Path.Combine(profile, "profile")}", $"--window-size={ScreenWidth},{ScreenHeight + 100}",
                "--virtual-time-budget=10000", "--dump-dom", url,
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{chromium} did not start.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return await output + (process.ExitCode == 0 ? string.Empty : $"\n(exit {process.ExitCode}) {await error}");
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    private static string Wrapper(string reportUrl, IReadOnlyList<string> selectors)
        => $$"""
            <!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">
            <iframe id="report" src="{{WebUtility.HtmlEncode(reportUrl)}}" style="border:0;display:block;width:{{ScreenWidth}}px;height:{{ScreenHeight}}px"></iframe>
            <pre id="result">pending</pre>
            <script>
            document.getElementById('report').addEventListener('load', function () {
              var result = document.getElementById('result');
              try {
                var page = this.contentDocument, boxes = {};
                {{JsonSerializer.Serialize(selectors)}}.forEach(function (selector) {
                  var element = page.querySelector(selector);
                  if (!element) { boxes[selector] = null; return; }
                  var box = element.getBoundingClientRect();
                  boxes[selector] = { top: box.top, bottom: box.bottom, text: element.innerText };
                });
                result.textContent = JSON.stringify(boxes);
              } catch (e) { result.textContent = 'error: ' + e; }
            });
            </script></body></html>
            """;

    [GeneratedRegex("<pre id=\"result\">(.*?)</pre>", RegexOptions.Singleline)]
    private static partial Regex ResultPattern();
}

/// <summary>Where an element lies in the first screen (CSS pixels from its top), and its text.</summary>
internal sealed record Box(double Top, double Bottom, string Text);
