namespace Chat.UnitTests.Bench;

using Chat.Bench;

public sealed class BenchOptionsTests
{
    [Fact]
    public void XmppPhaseAlone_NeedsNoChatHost_AndTakesItsServer()
    {
        var options = BenchOptions.Parse(["--phase", "xmpp", "--xmpp", "10.0.0.5:5333", "--xmpp-domain", "chat.example"]);

        Assert.False(options.NeedsChatHost);
        Assert.Equal(new XmppEndpoint("10.0.0.5", 5333, "chat.example"), options.Xmpp);
    }

    [Fact]
    public void XmppBesideDirect_NeedsTheChatHost_AndDefaultsToLocalEjabberd()
    {
        var options = BenchOptions.Parse(["--phase", "direct", "--phase", "xmpp"]);

        Assert.True(options.NeedsChatHost);
        Assert.Equal(new XmppEndpoint("127.0.0.1", 5222, "localhost"), options.Xmpp);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData(":5222")]
    [InlineData("localhost:0")]
    [InlineData("localhost:port")]
    public void Xmpp_NotHostColonPort_IsRefused(string value)
    {
        var e = Assert.Throws<ArgumentException>(() => BenchOptions.Parse(["--xmpp", value]));
        Assert.Contains("HOST:PORT", e.Message, StringComparison.Ordinal);
    }
}
