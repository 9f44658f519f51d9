namespace Chat.UnitTests.Domain;

using Chat.Core.Common;

public sealed class UntrustedTextTests
{
    [Theory]
    [InlineData("a\u0000b\u0007c\u001Bd", "abcd")]
    [InlineData("line one\nline\ttwo", "line one\nline\ttwo")]
    [InlineData("carriage\rreturn", "carriagereturn")]
    [InlineData("del\u007F c1\u0085\u009F", "del c1")]
    [InlineData("\u202Eevil\u202C \u2066iso\u2069 \u202Aemb\u202B", "evil iso emb")]
    public void Clean_RemovesControlsAndBidiOverrides(string input, string expected) =>
        Assert.Equal(expected, UntrustedText.Clean(input));

    [Theory]
    [InlineData("  padded  ")]
    [InlineData("mark\u200E and \u200F")]
    [InlineData("family \U0001F468\u200D\U0001F469\u200D\U0001F467")]
    [InlineData("caf\u00E9 \u0645\u0631\u062D\u0628\u0627")]
    public void Clean_KeepsEverythingElse(string input) => Assert.Same(input, UntrustedText.Clean(input));

    [Fact]
    public void Clean_Null_IsNull() => Assert.Null(UntrustedText.Clean(null));
}
