namespace Chat.UnitTests.Domain;

using Chat.Core.Accounts;
using Chat.Core.Common;

public sealed class IdsTests
{
    [Fact]
    public void DirectChatId_IsOrderIndependent()
    {
        Assert.Equal(Ids.DirectChatId("alice", "bob"), Ids.DirectChatId("bob", "alice"));
    }

    [Fact]
    public void DirectChatId_IsDeterministic_AndWellFormed()
    {
        var id = Ids.DirectChatId("alice", "bob");

        Assert.Equal(id, Ids.DirectChatId("alice", "bob"));
        Assert.StartsWith("d_", id, StringComparison.Ordinal);
        Assert.True(Ids.IsWellFormed(id));
    }

    [Fact]
    public void DirectChatId_DiffersPerPair()
    {
        var ids = new[]
        {
            Ids.DirectChatId("alice", "bob"),
            Ids.DirectChatId("alice", "carol"),
            Ids.DirectChatId("bob", "carol"),
            Ids.DirectChatId("alic", "ebob"),
        };

        Assert.Equal(ids.Length, ids.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("A-Z_0-9")]
    [InlineData("g_0123456789abcdef0123456789abcdef")]
    public void IsWellFormed_SafeIds_AreAccepted(string id)
    {
        Assert.True(Ids.IsWellFormed(id));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("a.b")]
    [InlineData("é")]
    [InlineData("../etc")]
    public void IsWellFormed_UnsafeIds_AreRejected(string? id)
    {
        Assert.False(Ids.IsWellFormed(id));
    }

    [Fact]
    public void IsWellFormed_LongerThan64_IsRejected()
    {
        Assert.True(Ids.IsWellFormed(new string('a', 64)));
        Assert.False(Ids.IsWellFormed(new string('a', 65)));
    }

    [Fact]
    public void IsWellFormed_TrailingNewline_IsRejected()
    {
        Assert.False(Ids.IsWellFormed("abc\n"));
    }

    [Theory]
    [InlineData("+14155550100", true)]
    [InlineData("+4915112345678", true)]
    [InlineData("14155550100", false)]
    [InlineData("+04155550100", false)]
    [InlineData("+1415555010012345", false)]
    [InlineData("+1 415 555 0100", false)]
    public void PhoneNumbers_IsE164(string value, bool valid)
    {
        Assert.Equal(valid, PhoneNumbers.IsE164(value));
    }

    [Fact]
    public void PhoneNumbers_TrailingNewline_IsNotE164()
    {
        Assert.False(PhoneNumbers.IsE164("+14155550100\n"));
    }
}
