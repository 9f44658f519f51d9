namespace Chat.UnitTests.Adapters;

using System.ComponentModel.DataAnnotations;
using Chat.Functions.Redis;

public sealed class RedisOptionsTests
{
    private const string PrincipalId = "6f1c2a3b-0000-4000-8000-00000000abcd";

    [Theory]
    [InlineData("127.0.0.1:6379", null, null)]
    [InlineData(null, "chat.eastus.redis.azure.net:10000", PrincipalId)]
    public void ExactlyOneWayToConnect_IsValid(string? connectionString, string? endpoint, string? principalId)
    {
        Assert.Empty(Validate(new RedisOptions { ConnectionString = connectionString, Endpoint = endpoint, PrincipalId = principalId }));
    }

    [Theory]
    [InlineData(null, null, null, "ConnectionString")]
    [InlineData("127.0.0.1:6379", "chat.eastus.redis.azure.net:10000", PrincipalId, "ConnectionString")]
    [InlineData(null, "chat.eastus.redis.azure.net:10000", null, "PrincipalId")]
    [InlineData(null, "chat.eastus.redis.azure.net:10000", "not-a-guid", "PrincipalId")]
    [InlineData(null, "https://chat.eastus.redis.azure.net/", PrincipalId, "Endpoint")]
    [InlineData(null, "chat.eastus.redis.azure.net", PrincipalId, "Endpoint")]
    public void Invalid_NamesTheSetting(string? connectionString, string? endpoint, string? principalId, string member)
    {
        var errors = Validate(new RedisOptions { ConnectionString = connectionString, Endpoint = endpoint, PrincipalId = principalId });

        Assert.Contains(errors, e => e.MemberNames.Contains(member));
    }

    [Fact]
    public void RetentionUnderADay_OrNoTimeout_IsInvalid()
    {
        Assert.NotEmpty(Validate(new RedisOptions { ConnectionString = "127.0.0.1:6379", LastSeenRetention = TimeSpan.FromHours(1) }));
        Assert.NotEmpty(Validate(new RedisOptions { ConnectionString = "127.0.0.1:6379", OperationTimeout = TimeSpan.Zero }));
    }

    [Fact]
    public void Defaults_KeepLastSeen30Days_AndAnswerWithinTheApiBudget()
    {
        var options = new RedisOptions();

        Assert.Equal(TimeSpan.FromDays(30), options.LastSeenRetention);
        Assert.True(options.ConnectTimeout + options.OperationTimeout < TimeSpan.FromSeconds(5));
    }

    private static List<ValidationResult> Validate(RedisOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
