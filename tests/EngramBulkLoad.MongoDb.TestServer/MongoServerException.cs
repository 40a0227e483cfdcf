namespace EngramBulkLoad.MongoDb.TestServer;

/// <summary>
/// A command failure the server answers with { ok: 0, errmsg, code, codeName }. Codes and names are
/// MongoDB's (https://www.mongodb.com/docs/manual/reference/error-codes/): 2 BadValue, 13 Unauthorized,
/// 18 AuthenticationFailed, 43 CursorNotFound, 59 CommandNotFound, 9 FailedToParse, 26 NamespaceNotFound.
/// </summary>
public sealed class MongoServerException(int code, string codeName, string message) : Exception(message)
{
    /// <summary>MongoDB's numeric error code.</summary>
    public int Code { get; } = code;

    /// <summary>MongoDB's name for the code.</summary>
    public string CodeName { get; } = codeName;

    internal static MongoServerException BadValue(string message) => new(2, "BadValue", message);
}
