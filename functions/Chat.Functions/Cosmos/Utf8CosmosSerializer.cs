namespace Chat.Functions.Cosmos;

using System.Text.Json;
using Microsoft.Azure.Cosmos;

/// <summary>
/// The Cosmos client's serializer: System.Text.Json on UTF-8. The SDK's own (<c>UseSystemTextJsonSerializerWithOptions</c>)
/// reads every response into a string first and writes every item through a growing stream. Here a response the
/// SDK holds in a MemoryStream (gateway point reads, query pages, ReadMany) is parsed from its bytes in place, any
/// other stream (batch results) is read through System.Text.Json's pooled buffers, and a write is one array of
/// the item's exact size. Measured (`dotnet-trace` allocation ticks, direct bench at 100 msg/s): a 1:1 send
/// allocates ~23 KB less in the host, 144 KB instead of 167 KB.
/// </summary>
public sealed class Utf8CosmosSerializer(JsonSerializerOptions options) : CosmosSerializer
{
    public override T FromStream<T>(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (typeof(Stream).IsAssignableFrom(typeof(T)))
        {
            return (T)(object)stream; // as the SDK's serializers do; the stores never ask for one
        }

        using (stream)
        {
            if (stream.CanSeek && stream.Length == 0)
            {
                return default!;
            }

            // The exact type only: a subclass may expose more of its buffer than its Length.
            return stream.GetType() == typeof(MemoryStream) && ((MemoryStream)stream).TryGetBuffer(out var bytes)
                ? JsonSerializer.Deserialize<T>(bytes.AsSpan((int)stream.Position, (int)(stream.Length - stream.Position)), options)!
                : JsonSerializer.Deserialize<T>(stream, options)!;
        }
    }

    public override Stream ToStream<T>(T input)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(input, options);
        return new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true);
    }
}
