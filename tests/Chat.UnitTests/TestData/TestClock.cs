namespace Chat.UnitTests.TestData;

using Microsoft.Extensions.Time.Testing;

public static class TestClock
{
    public static readonly DateTimeOffset Start = new(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider New() => new(Start);
}
