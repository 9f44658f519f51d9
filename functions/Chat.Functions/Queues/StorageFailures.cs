namespace Chat.Functions.Queues;

/// <summary>
/// How the Azure Storage SDK reports an account that does not answer: a <see cref="Azure.RequestFailedException"/>
/// (status 0, 408, 429 or 5xx), an <see cref="HttpRequestException"/> or time-out, or, once its own
/// retries are spent, an <see cref="AggregateException"/> of those.
/// </summary>
public static class StorageFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient),
        Azure.RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        HttpRequestException or TimeoutException or OperationCanceledException => true,
        _ => false,
    };

    /// <summary>The queue or container is gone (an account restarted empty): create it again and go on.</summary>
    public static bool IsMissing(Exception exception) =>
        exception is Azure.RequestFailedException { Status: 404 } failed
        && failed.ErrorCode is "QueueNotFound" or "ContainerNotFound" or null;
}
