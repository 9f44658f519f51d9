namespace Chat.UnitTests.Domain;

using Chat.Core.Accounts;
using Xunit;

public sealed class DisplayNamesTests
{
    [Theory]
    [InlineData("  Alice  ", "Alice")]
    [InlineData("Ali\u202Ece", "Alice")] // right-to-left override
    [InlineData("\u2066Bob\u2069", "Bob")] // isolates
    [InlineData("\u200FCarol\u200E", "Carol")] // marks
    [InlineData("Dan\r\n\t\u0000", "Dan")]
    [InlineData("Family \U0001F468\u200D\U0001F469\u200D\U0001F467", "Family \U0001F468\u200D\U0001F469\u200D\U0001F467")] // joiners stay
    [InlineData("\u05E9\u05DC\u05D5\u05DD", "\u05E9\u05DC\u05D5\u05DD")] // right-to-left text itself stays
    public void Normalize_RemovesControlsAndBidiOverrides_KeepsText(string input, string expected) =>
        Assert.Equal(expected, DisplayNames.Normalize(input));

    [Fact]
    public void Normalize_OnlyOverrides_IsEmpty_SoLengthValidationRejectsIt() =>
        Assert.Equal(string.Empty, DisplayNames.Normalize("\u202E\u202D "));

    [Fact]
    public void Normalize_Null_IsNull() => Assert.Null(DisplayNames.Normalize(null));
}
