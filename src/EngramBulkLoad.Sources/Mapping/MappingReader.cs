using EngramBulkLoad.Configuration;
using EngramBulkLoad.Errors;
using EngramBulkLoad.Records;

namespace EngramBulkLoad.Sources.Mapping;

/// <summary>
/// Reads the mapping settings every collection section shares: key, text, template, timestamp,
/// metadata, references, kind, maxContentBytes. The caller reads its own settings (table, path, ...)
/// from the same node and then calls <see cref="ConfigNode.RejectUnknown"/>.
/// </summary>
public static class MappingReader
{
    /// <summary>Reads a mapping.</summary>
    /// <param name="node">The collection's config section.</param>
    /// <param name="extract">Job-wide extract settings (the default content limit).</param>
    /// <param name="defaultKind">The memory kind when the section names none.</param>
    public static MappingOptions Read(ConfigNode node, ExtractSettings extract, MemoryKind defaultKind = MemoryKind.Semantic)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(extract);
        var key = node.StringList("key");
        if (key.Count == 0)
        {
            throw ErrorFactory.Config(node.At("key"), "is required: the field(s) that identify a record.", "E.g. \"key\": \"id\" or \"key\": [\"tenant\", \"id\"].");
        }

        var text = node.StringList("text");
        TextTemplate? template = null;
        if (node.OptionalString("template") is { } templateText)
        {
            try
            {
                template = TextTemplate.Parse(templateText);
            }
            catch (FormatException ex)
            {
                throw ErrorFactory.Config(node.At("template"), $"is not a valid template: {ex.Message}", "Write field names in braces, e.g. \"{title}\\n\\n{body}\".");
            }
        }

        if (text.Count == 0 && template is null)
        {
            throw ErrorFactory.Config(node.At("text"), "is required (or a template): the field(s) whose text becomes the memory's content.", "E.g. \"text\": [\"title\", \"body\"].");
        }

        var include = new List<string> { "*" };
        var exclude = new List<string>();
        if (node.OptionalObject("metadata") is { } metadata)
        {
            if (metadata.Has("include"))
            {
                include = [.. metadata.StringList("include")];
            }

            exclude = [.. metadata.StringList("exclude")];
            metadata.RejectUnknown();
        }

        var references = node.ObjectList("references").Concat(node.ObjectList("foreignKeys")).Select(ReadReference).ToList();
        var kind = node.OptionalString("memoryKind") is { } kindText ? ParseKind(kindText, node.At("memoryKind")) : defaultKind;
        return new MappingOptions
        {
            Key = key,
            Text = text,
            Template = template,
            Timestamp = node.OptionalString("timestamp"),
            MetadataInclude = include,
            MetadataExclude = exclude,
            References = references,
            Kind = kind,
            MaxContentBytes = node.Int("maxContentBytes", extract.MaxContentBytes, 1, 64 << 20),
        };
    }

    private static ReferenceMapping ReadReference(ConfigNode node)
    {
        var fields = node.StringList("columns").Concat(node.StringList("fields")).ToList();
        if (fields.Count == 0)
        {
            throw ErrorFactory.Config(node.At("columns"), "is required: the field(s) holding the referenced record's key.", "E.g. \"columns\": [\"customer_id\"].");
        }

        var collection = node.RequiredString("references", "Name the referenced table or collection as this source's config names it, e.g. \"references\": \"public.customers\".");
        var reference = new ReferenceMapping
        {
            Fields = fields,
            Collection = collection,
            Relation = node.OptionalString("relation") ?? collection,
            Weight = node.OptionalDouble("weight", double.NegativeInfinity, double.PositiveInfinity),
            WeightField = node.OptionalString("weightField"),
            Element = node.OptionalObject("element") is { } element ? ReadElement(element) : null,
        };
        if (reference.Element is not null && fields.Count != 1)
        {
            throw ErrorFactory.Config(node.At("element"), $"needs one field holding the array of objects; the reference names {fields.Count}.", "Name the array field alone, e.g. \"fields\": \"links\".");
        }

        node.RejectUnknown();
        return reference;
    }

    private static ReferenceElement ReadElement(ConfigNode node)
    {
        var element = new ReferenceElement
        {
            Id = node.RequiredString("id", "Name each object's field holding the referenced key, e.g. \"element\": { \"id\": \"to\", \"relation\": \"type\", \"weight\": \"weight\" }."),
            Relation = node.OptionalString("relation"),
            Weight = node.OptionalString("weight"),
        };
        node.RejectUnknown();
        return element;
    }

    private static MemoryKind ParseKind(string text, string path)
    {
        try
        {
            return MemoryKindNames.Parse(text);
        }
        catch (FormatException ex)
        {
            throw ErrorFactory.Config(path, ex.Message, string.Empty);
        }
    }
}
