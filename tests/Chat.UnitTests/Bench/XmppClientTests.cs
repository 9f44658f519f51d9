namespace Chat.UnitTests.Bench;

using System.Net;
using System.Net.Sockets;
using System.Text;
using Chat.Bench;

/// <summary>The baseline's XMPP client against a scripted server on loopback that answers as ejabberd does.</summary>
public sealed class XmppClientTests
{
    private const string ServerHeader =
        "<?xml version='1.0'?><stream:stream id='s1' from='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task SignIn_RegistersAuthenticatesAndBinds_ThenReportsChatMessagesOnly_AndSendsEscaped()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var arrived = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var timeout = new CancellationTokenSource(Limit);
        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync(timeout.Token);
            var peer = new ScriptedPeer(socket.GetStream());
            await peer.OpenAsync("<stream:features><register xmlns='http://jabber.org/features/iq-register'/></stream:features>", timeout.Token);
            var register = await peer.ReadUntilAsync("</iq>", timeout.Token);

            // The account exists already: a conflict, which the client takes as fine.
            await peer.WriteAsync("<iq type='error' id='register'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", timeout.Token);
            var auth = await peer.ReadUntilAsync("</auth>", timeout.Token);
            await peer.WriteAsync("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", timeout.Token);
            await peer.OpenAsync("<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>", timeout.Token);
            await peer.ReadUntilAsync("</iq>", timeout.Token);
            await peer.WriteAsync("<iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@localhost/bench</jid></bind></iq>", timeout.Token);
            await peer.ReadUntilAsync("<presence/>", timeout.Token);
            await peer.WriteAsync("<presence from='alice@localhost/bench'/><message from='bob@localhost/bench' type='chat' id='no-body'><active xmlns='http://jabber.org/protocol/chatstates'/></message>" +
                "<message from='bob@localhost/bench' type='chat' id='m-1'><body>hi</body></message>", timeout.Token);
            var sent = await peer.ReadUntilAsync("</message>", timeout.Token);

            // Another session took the resource over: the stream ends with an error.
            await peer.WriteAsync("<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>", timeout.Token);
            await peer.ReadUntilAsync("</stream:stream>", timeout.Token);
            return (register, auth, sent);
        });

        await using var client = await XmppClient.SignInAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, "localhost", "alice", "pw",
            (id, _) => arrived.TrySetResult(id), Limit, timeout.Token);
        Assert.Equal("m-1", await arrived.Task.WaitAsync(timeout.Token));
        await client.SendChatAsync("bob@localhost", "m-2", "a < b & c", timeout.Token);

        while (client.EndedBy is null)
        {
            await Task.Delay(10, timeout.Token);
        }

        Assert.Equal("stream error: conflict", client.EndedBy);
        await client.DisposeAsync(); // the server waits for our closing tag
        var (register, auth, sent) = await server;
        Assert.Contains("<username>alice</username><password>pw</password>", register, StringComparison.Ordinal);
        Assert.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0pw")), auth, StringComparison.Ordinal);
        Assert.Contains("<message to='bob@localhost' type='chat' id='m-2'><body>a &lt; b &amp; c</body></message>", sent, StringComparison.Ordinal);
        Assert.Equal("alice@localhost", client.BareJid);
    }

    [Fact]
    public async Task SignIn_RefusedPassword_Throws()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var timeout = new CancellationTokenSource(Limit);
        var server = Task.Run(async () =>
        {
            using var socket = await listener.AcceptTcpClientAsync(timeout.Token);
            var peer = new ScriptedPeer(socket.GetStream());
            await peer.OpenAsync("<stream:features/>", timeout.Token);
            await peer.ReadUntilAsync("</iq>", timeout.Token);
            await peer.WriteAsync("<iq type='result' id='register'/>", timeout.Token);
            await peer.ReadUntilAsync("</auth>", timeout.Token);
            await peer.WriteAsync("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>", timeout.Token);
            await peer.ReadUntilAsync("</stream:stream>", timeout.Token);
        });

        var e = await Assert.ThrowsAsync<IOException>(() =>
            XmppClient.SignInAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, "localhost", "alice", "wrong", (_, _) => { }, Limit, timeout.Token));
        Assert.Contains("SASL success", e.Message, StringComparison.Ordinal);
        await server; // the client closed its stream on the way out
    }

    [Fact]
    public async Task SignIn_ServerThatNeverAnswers_TimesOut()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var timeout = new CancellationTokenSource(Limit);
        var accepted = listener.AcceptTcpClientAsync(timeout.Token).AsTask();

        var e = await Assert.ThrowsAsync<TimeoutException>(() =>
            XmppClient.SignInAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndpoint).Port, "localhost", "alice", "pw", (_, _) => { }, TimeSpan.FromMilliseconds(300), timeout.Token));
        Assert.Contains("not signed in within", e.Message, StringComparison.Ordinal);
        using var socket = await accepted; // it did connect: the silence, not the connection, was cut off
    }

    /// <summary>The server side: reads what the client sent up to a marker, answers with canned XML.</summary>
    private sealed class ScriptedPeer(NetworkStream stream)
    {
        private readonly StringBuilder pending = new();

        /// <summary>Waits for the client's stream header, then answers with ours and the features.</summary>
        public async Task OpenAsync(string features, CancellationToken ct)
        {
            var header = await ReadUntilAsync("version='1.0'>", ct);
            Assert.Contains("to='localhost'", header, StringComparison.Ordinal);
            await WriteAsync(ServerHeader + features, ct);
        }

        /// <summary>Everything the client sent up to and including <paramref name="marker"/>.</summary>
        public async Task<string> ReadUntilAsync(string marker, CancellationToken ct)
        {
            var buffer = new byte[4096];
            int at;
            while ((at = pending.ToString().IndexOf(marker, StringComparison.Ordinal)) < 0)
            {
                var n = await stream.ReadAsync(buffer, ct);
                Assert.True(n > 0, $"the client closed the connection before sending {marker}");
                pending.Append(Encoding.UTF8.GetString(buffer, 0, n));
            }

            var text = pending.ToString(0, at + marker.Length);
            pending.Remove(0, at + marker.Length);
            return text;
        }

        public async Task WriteAsync(string xml, CancellationToken ct) => await stream.WriteAsync(Encoding.UTF8.GetBytes(xml), ct);
    }
}
