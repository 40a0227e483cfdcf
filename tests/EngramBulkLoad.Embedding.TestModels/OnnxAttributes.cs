namespace EngramBulkLoad.Embedding.TestModels.Onnx;

/// <summary>Convenience constructors for the generated <see cref="Attribute"/> message.</summary>
public sealed partial class Attribute
{
    /// <summary>An INT attribute.</summary>
    public static Attribute Int(string name, long value) => new() { Name = name, I = value, Type = Types.AttributeType.Int };
}
