namespace Chat.Bench;

using System.Diagnostics;
using System.Net.Sockets;
using System.Security;
using System.Text;
using System.Xml;
using System.Xml.Linq;

/// <summary>
/// The least XMPP (RFC 6120/6121) the baseline phase needs, over plain TCP on loopback: in-band registration
/// (XEP-0077), SASL PLAIN, resource binding, initial presence, and one-to-one chat messages each way.
/// </summary>
public sealed class XmppClient : IAsyncDisposable
{
    private static readonly XmlReaderSettings ReaderSettings = new()
    {
        Async = true,
        CloseInput = false,
        DtdProcessing = DtdProcessing.Prohibit,
        IgnoreWhitespace = true,
    };

    private readonly TcpClient tcp;
    private readonly SemaphoreSlim writes = new(1, 1);
    private readonly string domain;
    private XmlReader? reader;
    private Task? receiving;
    private volatile bool disposed;

    private XmppClient(TcpClient tcp, string domain, string user)
    {
        this.tcp = tcp;
        this.domain = domain;
        BareJid = $"{user}@{domain}";
    }

    public string BareJid { get; }

    /// <summary>Why the stream ended before it was disposed (a stream error, the server closing it), or null.</summary>
    public string? EndedBy { get; private set; }

    /// <summary>
    /// Connects, registers <paramref name="user"/> (an account of that name and password from an earlier run is
    /// fine), signs in and sends initial presence, all within <paramref name="timeout"/>; then
    /// <paramref name="onMessage"/> gets each chat message's id and the timestamp it was read at.
    /// </summary>
    public static async Task<XmppClient> SignInAsync(
        string host, int port, string domain, string user, string password, Action<string, long> onMessage, TimeSpan timeout, CancellationToken ct)
    {
        var tcp = new TcpClient { NoDelay = true };
        var client = new XmppClient(tcp, domain, user);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);

        // XmlReader takes no token: a server that never answers is cut off by closing the socket.
        var cut = limit.Token.Register(tcp.Dispose);
        try
        {
            await tcp.ConnectAsync(host, port, limit.Token);
            await client.SignInAsync(user, password, limit.Token);
            cut.Dispose();
            client.receiving = Task.Run(() => client.ReceiveAsync(onMessage), CancellationToken.None);
            return client;
        }
        catch (Exception e) when (limit.IsCancellationRequested && e is IOException or SocketException or ObjectDisposedException or XmlException)
        {
            await cut.DisposeAsync();
            await client.DisposeAsync();
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"XMPP: {user} was not signed in within {timeout.TotalSeconds:F0} s.", e);
        }
        catch
        {
            await cut.DisposeAsync();
            await client.DisposeAsync();
            throw;
        }
    }

    private async Task SignInAsync(string user, string password, CancellationToken ct)
    {
        await OpenStreamAsync(ct);
        await RegisterAsync(user, password, ct);
        await AuthenticateAsync(user, password, ct);
        await OpenStreamAsync(ct);
        await BindAsync(ct);
        await WriteAsync("<presence/>", ct);
    }

    /// <summary>A chat message to a bare JID; <paramref name="id"/> comes back on the recipient's copy.</summary>
    public Task SendChatAsync(string to, string id, string text, CancellationToken ct) =>
        WriteAsync($"<message to='{SecurityElement.Escape(to)}' type='chat' id='{SecurityElement.Escape(id)}'><body>{SecurityElement.Escape(text)}</body></message>", ct);

    private async Task OpenStreamAsync(CancellationToken ct)
    {
        await WriteAsync($"<?xml version='1.0'?><stream:stream to='{SecurityElement.Escape(domain)}' xmlns='jabber:client' " +
            "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>", ct);

        // A stream restart (after SASL) starts a new document on the same socket: a new reader for it.
        reader?.Dispose();
        reader = XmlReader.Create(tcp.GetStream(), ReaderSettings);
        var features = await ReadStanzaAsync(ct);
        Expect(features.Name.LocalName == "features", "stream features", features);
    }

    /// <summary>XEP-0077 before sign-in; a conflict means the account exists already.</summary>
    private async Task RegisterAsync(string user, string password, CancellationToken ct)
    {
        await WriteAsync($"<iq type='set' id='register'><query xmlns='jabber:iq:register'><username>{SecurityElement.Escape(user)}</username>" +
            $"<password>{SecurityElement.Escape(password)}</password></query></iq>", ct);
        var answer = await ReadStanzaAsync(ct);
        var conflict = answer.Descendants().Any(e => e.Name.LocalName == "conflict");
        Expect(answer.Attribute("type")?.Value == "result" || conflict, "the registration's result", answer);
    }

    private async Task AuthenticateAsync(string user, string password, CancellationToken ct)
    {
        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));
        await WriteAsync($"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{plain}</auth>", ct);
        var answer = await ReadStanzaAsync(ct);
        Expect(answer.Name.LocalName == "success", "SASL success", answer);
    }

    private async Task BindAsync(CancellationToken ct)
    {
        await WriteAsync("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>bench</resource></bind></iq>", ct);
        var answer = await ReadStanzaAsync(ct);
        Expect(answer.Attribute("type")?.Value == "result", "the bind's result", answer);
    }

    /// <summary>Reads stanzas until the stream ends; presence and anything else the server sends is skipped. Never
    /// throws: why it ended is kept in <see cref="EndedBy"/> (unless by our own dispose).</summary>
    private async Task ReceiveAsync(Action<string, long> onMessage)
    {
        try
        {
            while (true)
            {
                var stanza = await ReadStanzaAsync(CancellationToken.None);
                if (stanza.Name.LocalName == "error")
                {
                    EndedBy = "stream error: " + (stanza.Elements().FirstOrDefault()?.Name.LocalName ?? "?");
                    return;
                }

                if (stanza.Name.LocalName == "message" && stanza.Attribute("id")?.Value is { } id && stanza.Elements().Any(e => e.Name.LocalName == "body"))
                {
                    onMessage(id, Stopwatch.GetTimestamp());
                }
            }
        }
        catch (Exception e)
        {
            // The stream ended: on dispose, or the server closed it (its messages then count as lost).
            EndedBy = disposed ? null : e.Message;
        }
    }

    /// <summary>
    /// The next top-level element, read through a subtree reader so that nothing is read past its end: the
    /// server sends nothing more until it hears from us (after SASL success, say).
    /// </summary>
    private async Task<XElement> ReadStanzaAsync(CancellationToken ct)
    {
        var r = reader ?? throw new InvalidOperationException("No stream is open.");
        while (await r.ReadAsync())
        {
            if (r.NodeType == XmlNodeType.Element && r.Depth == 1)
            {
                using var stanza = r.ReadSubtree();
                return await XElement.LoadAsync(stanza, LoadOptions.None, ct);
            }

            if (r.NodeType == XmlNodeType.EndElement && r.Depth == 0)
            {
                break;
            }
        }

        throw new IOException("The XMPP server closed the stream.");
    }

    private async Task WriteAsync(string xml, CancellationToken ct)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);
        await writes.WaitAsync(ct);
        try
        {
            await tcp.GetStream().WriteAsync(bytes, ct); // the same stream each time, once connected
        }
        finally
        {
            writes.Release();
        }
    }

    private static void Expect(bool condition, string what, XElement got)
    {
        if (!condition)
        {
            throw new IOException($"XMPP: expected {what}, got {Shorten(got.ToString(SaveOptions.DisableFormatting))}");
        }
    }

    private static string Shorten(string xml) => xml.Length <= 300 ? xml : xml[..300] + "...";

    public async ValueTask DisposeAsync()
    {
        disposed = true;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await WriteAsync("</stream:stream>", timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // closing anyway
        }

        tcp.Dispose();
        if (receiving is not null)
        {
            await receiving;
        }

        reader?.Dispose();
        writes.Dispose();
    }
}
