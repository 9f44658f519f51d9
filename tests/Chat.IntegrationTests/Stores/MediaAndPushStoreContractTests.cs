namespace Chat.IntegrationTests.Stores;

using System.Text.Json;
using Chat.Core.Media;
using Chat.Core.Ports;
using Chat.Functions.Cosmos;
using Chat.IntegrationTests.Infrastructure;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;
using Xunit;

/// <summary>The media and push-log stores on the emulator, including the TTLs that clean up after them.</summary>
[Collection(BackendCollection.Name)]
public sealed class MediaAndPushStoreContractTests(StoreDatabase database) : StoreContract(database), IClassFixture<StoreDatabase>
{
    private IMediaStore Media => new CosmosMediaStore(Db, Options.Create(new MediaOptions()));

    private IPushLog PushLog => new CosmosPushLog(Db);

    [Fact]
    public async Task PendingMedia_ExpiresByItself_AttachedMediaDoesNot()
    {
        var media = new MediaRecord
        {
            MediaId = StoreData.NewId("m"),
            OwnerId = StoreData.NewId("u"),
            FileName = "a.png",
            ContentType = "image/png",
            SizeBytes = 10,
            CreatedAt = DateTimeOffset.UtcNow,
        };
        await Media.CreateAsync(media, Ct);
        Assert.Equal((int)TimeSpan.FromDays(2).TotalSeconds, await TtlAsync("media:" + media.MediaId));

        var stored = (await Media.GetAsync(media.MediaId, Ct))!;
        Assert.Equivalent(media, stored.Value, strict: true);
        Assert.True(await Media.TryReplaceAsync(stored.Value with { State = MediaStates.Attached, ChatId = "g_x", Seq = 1 }, stored.ETag, Ct));
        Assert.Null(await TtlAsync("media:" + media.MediaId));
        Assert.False(await Media.TryReplaceAsync(stored.Value, stored.ETag, Ct));
    }

    [Fact]
    public async Task Carriers_RoundTrip_AndARecordFromBeforeThemReadsAsOneCarrier()
    {
        var media = new MediaRecord
        {
            MediaId = StoreData.NewId("m"),
            OwnerId = StoreData.NewId("u"),
            FileName = "a.png",
            ContentType = "image/png",
            SizeBytes = 10,
            CreatedAt = DateTimeOffset.UtcNow,
            State = MediaStates.Attached,
            ChatId = "g_old",
            Seq = 4,
        };
        await Media.CreateAsync(media, Ct);
        var old = (await Media.GetAsync(media.MediaId, Ct))!;
        Assert.Equal([new MediaCarrier("g_old", 4)], old.Value.CurrentCarriers());

        Assert.True(await Media.TryReplaceAsync(old.Value.WithCarriers([new MediaCarrier("g_old", 4), new MediaCarrier("d_new", 9)]), old.ETag, Ct));

        var stored = (await Media.GetAsync(media.MediaId, Ct))!.Value;
        Assert.Equal([new MediaCarrier("g_old", 4), new MediaCarrier("d_new", 9)], stored.Carriers);
        Assert.Equal(((string?)null, (long?)null), (stored.ChatId, stored.Seq));
    }

    [Fact]
    public async Task PushLog_RoundTrips_PerMessage_AndExpires()
    {
        var chatId = StoreData.NewId("g_");
        Assert.Empty(await PushLog.GetNotifiedAsync(chatId, 1, Ct));

        await PushLog.SetNotifiedAsync(chatId, 1, ["a", "b"], Ct);
        await PushLog.SetNotifiedAsync(chatId, 1, ["a", "b", "c"], Ct);

        Assert.Equal(["a", "b", "c"], (await PushLog.GetNotifiedAsync(chatId, 1, Ct)).Order());
        Assert.Empty(await PushLog.GetNotifiedAsync(chatId, 2, Ct));
        Assert.Equal((int)TimeSpan.FromDays(3).TotalSeconds, await TtlAsync($"push:{chatId}:1"));
    }

    private async Task<int?> TtlAsync(string id)
    {
        using var response = await Db.Directory.ReadItemStreamAsync(id, new PartitionKey(id));
        Assert.True(response.IsSuccessStatusCode, $"item {id} exists");
        using var document = await JsonDocument.ParseAsync(response.Content);
        return document.RootElement.TryGetProperty("ttl", out var ttl) && ttl.ValueKind == JsonValueKind.Number ? ttl.GetInt32() : null;
    }
}
