namespace EngramBulkLoad.Sources.Conformance;

/// <summary>
/// A collection a source test created on its server for one test: the name records carry as their
/// collection, and whatever the test needs to address it again (a table, a key prefix, a file path).
/// </summary>
/// <param name="Collection">The collection name the source gives its records (e.g. "schema.items").</param>
/// <param name="Location">The test's own handle: table name, key prefix, database, path.</param>
public sealed record ConformanceCollection(string Collection, string Location);
