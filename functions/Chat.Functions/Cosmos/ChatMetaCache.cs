namespace Chat.Functions.Cosmos;

using Chat.Core.Chats;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

/// <summary>
/// Chats' metadata (members, name) per instance. It is never trusted alone: every read of a chat
/// reads its head, which names the metadata version it goes with, so a membership change written by
/// any instance is seen by the next read everywhere. A send then reads one small item instead of the
/// member list, whatever the group size.
/// </summary>
public sealed class ChatMetaCache(IOptions<CosmosOptions> options) : IDisposable
{
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = options.Value.ChatMetaCacheSize });

    public sealed record Entry(ChatRecord Meta, long Version, string ETag);

    /// <summary>The cached metadata, whatever its version (the caller checks it against the head).</summary>
    public Entry? Find(string chatId) => cache.TryGetValue(chatId, out Entry? entry) ? entry : null;

    /// <summary>Keeps the newest version seen.</summary>
    public void Keep(string chatId, Entry entry)
    {
        if (Find(chatId) is { } known && known.Version > entry.Version)
        {
            return;
        }

        cache.Set(chatId, entry, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });
    }

    public void Dispose() => cache.Dispose();
}
