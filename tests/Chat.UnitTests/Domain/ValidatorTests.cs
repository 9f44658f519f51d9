namespace Chat.UnitTests.Domain;

using Chat.Core.Errors;

public sealed class ValidatorTests
{
    [Fact]
    public void ThrowIfInvalid_NoErrors_DoesNotThrow()
    {
        var v = new Validator().Required("name", "x").Length("name", "abc", 1, 3).Range("limit", 5, 1, 10).When(false, "x", "never");

        Assert.True(v.IsValid);
        v.ThrowIfInvalid();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Required_NullOrEmpty_IsAnError(string? value)
    {
        var error = Assert.Throws<ChatException>(() => new Validator().Required("name", value).ThrowIfInvalid());

        Assert.Equal(400, error.Status);
        Assert.Equal(["is required."], error.Errors!["name"]);
    }

    [Theory]
    [InlineData("ab", true)]
    [InlineData("abcd", true)]
    [InlineData("a", false)]
    [InlineData("abcde", false)]
    public void Length_OutsideBounds_IsAnError(string value, bool valid)
    {
        Assert.Equal(valid, new Validator().Length("f", value, 2, 4).IsValid);
    }

    [Fact]
    public void Length_NullAndOptional_IsValid_ButRequiredIsNot()
    {
        Assert.True(new Validator().Length("f", null, 1, 4, required: false).IsValid);
        Assert.False(new Validator().Length("f", null, 1, 4).IsValid);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData(1L, true)]
    [InlineData(100L, true)]
    [InlineData(0L, false)]
    [InlineData(101L, false)]
    public void Range_NullPasses_OutOfRangeFails(long? value, bool valid)
    {
        Assert.Equal(valid, new Validator().Range("limit", value, 1, 100).IsValid);
    }

    [Fact]
    public void ThrowIfInvalid_CollectsEveryFieldAndMessage()
    {
        var error = Assert.Throws<ChatException>(() => new Validator()
            .Required("a", null)
            .When(true, "a", "second")
            .Length("b", "toolong", 1, 3)
            .ThrowIfInvalid());

        Assert.Equal(ErrorKind.Validation, error.Kind);
        Assert.Equal(["is required.", "second"], error.Errors!["a"]);
        Assert.Single(error.Errors["b"]);
        Assert.Equal(2, error.Errors.Count);
    }
}
