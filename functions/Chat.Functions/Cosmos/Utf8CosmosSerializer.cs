namespace Chat.Functions.Cosmos;

using System.Text.Json;
using Microsoft.Azure.Cosmos;

/// <summary>
/// The Cosmos client's serializer: System.Text.Json straight on UTF-8. The SDK's own
/// (<c>UseSystemTextJsonSerializerWithOptions</c>) reads every response into a string first and writes every item
/// through a growing stream; measured (`dotnet-trace` allocation ticks, direct bench at 100 msg/s), that was ~25 KB
/// of the ~167 KB a 1:1 send allocated in the host. Here a read parses the response's bytes where they lie and a
/// write is one array of the item's exact size.
/// </summary>
public sealed class Utf8CosmosSerializer(JsonSerializerOptions options) : CosmosSerializer
{
    public override T FromStream<T>(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (typeof(Stream).IsAssignableFrom(typeof(T)))
        {
            return (T)(object)stream;
        }

        using (stream)
        {
            if (stream.CanSeek && stream.Length == 0)
            {
                return default!;
            }

            return stream is MemoryStream memory && memory.TryGetBuffer(out var bytes)
                ? JsonSerializer.Deserialize<T>(bytes.AsSpan((int)memory.Position), options)!
                : JsonSerializer.Deserialize<T>(stream, options)!;
        }
    }

    public override Stream ToStream<T>(T input)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(input, options);
        return new MemoryStream(bytes, 0, bytes.Length, writable: false, publiclyVisible: true);
    }
}
