namespace Chat.IntegrationTests.Infrastructure;

using System.Globalization;
using System.Net.Sockets;
using System.Text;

/// <summary>An HTTP/1.1 exchange written byte by byte, for what HttpClient will not send (a body never
/// finished, a request line of any length); the answer is read as it comes, chunked or not.</summary>
public sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient client;
    private readonly NetworkStream stream;

    private RawHttp(TcpClient client)
    {
        this.client = client;
        stream = client.GetStream();
    }

    public static async Task<RawHttp> ConnectAsync(Uri baseAddress)
    {
        var client = new TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port);
        return new RawHttp(client);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.ASCII.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await stream.WriteAsync(bytes);

    /// <summary>One chunk of a chunked body.</summary>
    public Task SendChunkAsync(byte[] bytes) =>
        SendAsync([.. Encoding.ASCII.GetBytes(bytes.Length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), .. bytes, .. "\r\n"u8.ToArray()]);

    /// <summary>The status, headers and body of the answer, within <paramref name="within"/>.</summary>
    public async Task<RawResponse> ReadResponseAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        var head = Encoding.ASCII.GetString(await ReadUntilAsync("\r\n\r\n"u8.ToArray(), timeout.Token));
        var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        byte[] body;
        if (headers.TryGetValue("Content-Length", out var length))
        {
            body = await ReadExactlyAsync(int.Parse(length, CultureInfo.InvariantCulture), timeout.Token);
        }
        else if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            using var all = new MemoryStream();
            while (true)
            {
                var size = int.Parse(Encoding.ASCII.GetString(await ReadUntilAsync("\r\n"u8.ToArray(), timeout.Token)).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                var chunk = await ReadExactlyAsync(size + 2, timeout.Token);
                if (size == 0)
                {
                    break;
                }

                all.Write(chunk, 0, size);
            }

            body = all.ToArray();
        }
        else
        {
            body = [];
        }

        return new RawResponse(status, headers, Encoding.UTF8.GetString(body));
    }

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<byte[]> ReadUntilAsync(byte[] terminator, CancellationToken ct)
    {
        var read = new List<byte>();
        var one = new byte[1];
        while (read.Count < terminator.Length || !read[^terminator.Length..].SequenceEqual(terminator))
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                throw new IOException("The server closed the connection before answering.");
            }

            read.Add(one[0]);
        }

        return read[..^terminator.Length].ToArray();
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken ct)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, ct);
        return buffer;
    }
}

public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body);
