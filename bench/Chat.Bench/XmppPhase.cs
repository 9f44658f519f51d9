namespace Chat.Bench;

using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;

/// <summary>
/// The side-by-side baseline: the direct phase's load (the same number of pairs, rate, duration, warm-up and text)
/// over XMPP to a server such as ejabberd (bench/ejabberd), measured the same way: latency = send start → the
/// partner reads the stanza, and the server's CPU per message from /proc.
/// </summary>
public sealed partial class BenchRun
{
    private static readonly TimeSpan XmppSignInTimeout = TimeSpan.FromSeconds(10);

    private async Task RunXmppPhaseAsync(int count, CancellationToken ct)
    {
        var clients = new XmppClient?[count];
        try
        {
            await SignInXmppAsync(clients, ct);
            await SettleAsync("before xmpp", ct); // our host, when an earlier phase ran, must not load the box meanwhile
            if (options.WarmupSeconds > 0)
            {
                say($"xmpp warm-up: {options.WarmupSeconds:F0} s at {options.Rate} msg/s (not measured)");
                await RunXmppAsync(clients, "xw", options.WarmupSeconds, ct);
            }

            say($"xmpp: {options.Seconds:F0} s at {options.Rate} msg/s over {count / 2} pairs");
            report.Xmpp = await RunXmppAsync(clients, "x", options.Seconds, ct);
            foreach (var reason in clients.Select(c => c?.EndedBy).OfType<string>().GroupBy(r => r, StringComparer.Ordinal))
            {
                Note($"{reason.Count()} XMPP streams ended during the phase ({reason.Key}); their messages count as lost.");
            }
        }
        finally
        {
            await Task.WhenAll(clients.OfType<XmppClient>().Select(c => c.DisposeAsync().AsTask()));
        }
    }

    /// <summary>Users 2k and 2k+1 are partners; a client that could not sign in stays null (counted under the setup's errors).
    /// Each run registers new accounts (the run's tag in their names): they stay in the server's spool.</summary>
    private async Task SignInXmppAsync(XmppClient?[] clients, CancellationToken ct)
    {
        var endpoint = options.Xmpp;
        say($"signing in {clients.Length} XMPP users at {endpoint.Host}:{endpoint.Port} ({endpoint.Domain})...");
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
        await ForEachSetupAsync(Enumerable.Range(0, clients.Length), "xmpp-sign-in", async (i, token) =>
        {
            var user = $"bench{runTag}u{i.ToString(CultureInfo.InvariantCulture)}";
            clients[i] = await XmppClient.SignInAsync(
                endpoint.Host, endpoint.Port, endpoint.Domain, user, password, (id, at) => router.Arrived(i, id, at), XmppSignInTimeout, token);
        }, ct);
        report.Setup.XmppUsersReady = clients.Count(c => c is not null);
    }

    private async Task<DirectResult> RunXmppAsync(XmppClient?[] clients, string phase, double seconds, CancellationToken ct)
    {
        var senders = Enumerable.Range(0, clients.Length).Where(i => clients[i] is not null && clients[i ^ 1] is not null).ToArray();
        if (senders.Length == 0)
        {
            throw new InvalidOperationException("No XMPP pair is signed in.");
        }

        return await RunPairsAsync(phase, seconds, i =>
        {
            var sender = senders[i % senders.Length];
            var partner = sender ^ 1;
            return (new DirectProbe(partner), XmppSend(clients[sender]!, clients[partner]!.BareJid, $"bench {i}: {DirectText}"));
        }, ct);
    }

    /// <summary>A send is done once the stanza is written: XMPP has no acknowledgement of a plain message.</summary>
    private static SendCall XmppSend(XmppClient sender, string to, string text) => async (id, ct) =>
    {
        var (_, error) = await WithinSendTimeoutAsync(
            async t =>
            {
                await sender.SendChatAsync(to, id, text, t);
                return true;
            },
            e => e is IOException or SocketException or ObjectDisposedException ? "network" : null,
            ct);
        return (0, error);
    };
}
