namespace Chat.Core.Common;

/// <summary>A stored value with the version tag (ETag) used for optimistic concurrency.</summary>
public sealed record Versioned<T>(T Value, string ETag);
