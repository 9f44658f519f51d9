namespace Chat.UnitTests.Adapters;

using Azure;
using Chat.Functions.Queues;

public sealed class StorageFailuresTests
{
    [Theory]
    [InlineData(0, true)]
    [InlineData(503, true)]
    [InlineData(429, true)]
    [InlineData(404, false)]
    [InlineData(403, false)]
    public void IsTransient_ByStatus(int status, bool transient) =>
        Assert.Equal(transient, StorageFailures.IsTransient(new RequestFailedException(status, "x")));

    [Fact]
    public void IsTransient_AggregateOfTransients_IsTransient() =>
        Assert.True(StorageFailures.IsTransient(new AggregateException(new HttpRequestException("down"), new RequestFailedException(500, "x"))));

    [Theory]
    [InlineData(404, "QueueNotFound", true)]
    [InlineData(404, "ContainerNotFound", true)]
    [InlineData(404, "BlobNotFound", false)]
    [InlineData(409, "QueueBeingDeleted", false)]
    public void IsMissing_OnlyAVanishedQueueOrContainer(int status, string code, bool missing) =>
        Assert.Equal(missing, StorageFailures.IsMissing(new RequestFailedException(status, "x", code, null)));
}
