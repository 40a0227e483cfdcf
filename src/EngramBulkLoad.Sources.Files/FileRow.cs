using EngramBulkLoad.Sources.Mapping;

namespace EngramBulkLoad.Sources.Files;

/// <summary>One row of a file: its fields, or why it could not be parsed. Position counts rows from 1 and is the resume cursor.</summary>
internal readonly record struct FileRow(long Position, string Location, FieldRow? Fields, string? Problem);
