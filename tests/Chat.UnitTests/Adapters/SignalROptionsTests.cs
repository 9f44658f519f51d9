namespace Chat.UnitTests.Adapters;

using System.ComponentModel.DataAnnotations;
using Chat.Functions.Realtime;
using Chat.UnitTests.TestData;

public sealed class SignalROptionsTests
{
    [Fact]
    public void Resolve_ConnectionString_GivesEndpointAndTheWholeKey_PaddingIncluded()
    {
        var options = new SignalROptions { ConnectionString = $"Endpoint={SignalRHarness.Host}/;AccessKey={SignalRHarness.AccessKey};Version=1.0;" };

        Assert.Equal((SignalRHarness.Host, SignalRHarness.AccessKey), options.Resolve());
    }

    [Fact]
    public void Resolve_ConnectionStringWithPort_PutsThePortInTheEndpoint()
    {
        var options = new SignalROptions { ConnectionString = "Endpoint=http://localhost;Port=8088;AccessKey=k;Version=1.0;" };

        Assert.Equal(("http://localhost:8088", "k"), options.Resolve());
    }

    [Fact]
    public void Resolve_Endpoint_HasNoKey()
    {
        var options = new SignalROptions { Endpoint = new Uri(SignalRHarness.Host + "/") };

        Assert.Equal((SignalRHarness.Host, (string?)null), options.Resolve());
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Validate_NeedsExactlyOneOfConnectionStringAndEndpoint(bool connectionString, bool endpoint)
    {
        var options = new SignalROptions
        {
            ConnectionString = connectionString ? $"Endpoint={SignalRHarness.Host};AccessKey=k;Version=1.0;" : null,
            Endpoint = endpoint ? new Uri(SignalRHarness.Host) : null,
        };

        Assert.Single(options.Validate(new ValidationContext(options)));
    }

    [Fact]
    public void Validate_OneOfThem_IsFine()
    {
        var options = new SignalROptions { Endpoint = new Uri(SignalRHarness.Host) };

        Assert.Empty(options.Validate(new ValidationContext(options)));
    }
}
