namespace Chat.Functions.Http;

/// <summary>Marks an HTTP function that needs no access token (auth routes, health).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PublicAttribute : Attribute;
