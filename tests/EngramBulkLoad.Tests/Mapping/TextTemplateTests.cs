using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Tests.Mapping;

public sealed class TextTemplateTests
{
    [Fact]
    public void Render_FieldsAndEscapedBraces_ReplacesFieldsKeepsLiterals()
    {
        var template = TextTemplate.Parse("{title} {{draft}}\n{body}");

        var text = template.Render(name => name == "title" ? "T" : name == "body" ? "B" : null);

        Assert.Equal("T {draft}\nB", text);
        Assert.Equal(["title", "body"], template.Fields);
    }

    [Theory]
    [InlineData("{title")]
    [InlineData("title}")]
    [InlineData("{}")]
    [InlineData("no fields")]
    public void Parse_Malformed_ThrowsFormatException(string template)
        => Assert.Throws<FormatException>(() => TextTemplate.Parse(template));
}
