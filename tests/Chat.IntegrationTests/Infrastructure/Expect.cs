namespace Chat.IntegrationTests.Infrastructure;

using Chat.Client;
using Xunit;

public static class Expect
{
    /// <summary>Asserts the call fails with <paramref name="status"/> and a complete problem+json body.</summary>
    public static async Task<ChatApiException> Problem(int status, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<ChatApiException>(call);
        Assert.Equal(status, e.Status);
        Assert.Equal("application/problem+json", e.ContentType);
        Assert.NotNull(e.Problem);
        Assert.Equal(status, e.Problem!.Status);
        Assert.False(string.IsNullOrEmpty(e.Problem.Type));
        Assert.False(string.IsNullOrEmpty(e.Problem.Title));
        Assert.False(string.IsNullOrEmpty(e.Problem.Detail));
        Assert.False(string.IsNullOrEmpty(e.Problem.TraceId));
        return e;
    }

    public static async Task<ChatApiException> Validation(string field, Func<Task> call)
    {
        var e = await Problem(400, call);
        Assert.NotNull(e.Problem!.Errors);
        Assert.True(e.Problem.Errors!.ContainsKey(field), $"expected errors.{field}, got {string.Join(",", e.Problem.Errors.Keys)}");
        return e;
    }

    public static async Task<ChatApiException> Problem(int status, HttpResponseMessage response)
    {
        Assert.Equal(status, (int)response.StatusCode);
        var e = await ChatClient.ToExceptionAsync(response);
        Assert.Equal("application/problem+json", e.ContentType);
        Assert.NotNull(e.Problem);
        Assert.False(string.IsNullOrEmpty(e.Problem!.TraceId));
        return e;
    }

    /// <summary>Waits for a condition with a generous bound (never a fixed sleep).</summary>
    public static async Task Eventually(Func<Task<bool>> condition, TimeSpan? within = null, string? because = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("Condition not met in time" + (because is null ? "." : ": " + because));
            }

            await Task.Delay(50);
        }
    }
}
