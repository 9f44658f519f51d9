namespace Chat.UnitTests.Services;

using Chat.Core.Errors;
using Chat.Core.Media;
using Chat.UnitTests.TestData;
using Moq;

/// <summary>Media carried by several messages (forwards): one blob, each carrier with its own readers and join floor.</summary>
public sealed class MediaServiceCarrierTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly MediaHarness h = new();

    private MediaService Service => h.Service;

    public MediaServiceCarrierTests()
    {
        h.StoreChat(ChatBuilder.Group("g_source").WithMember("alice").WithMember("bob").Build());
        h.StoreChat(ChatBuilder.Group("g_target").WithMember("alice").WithMember("carol").WithMember("dave", joinedAfterSeq: 3).Build());
    }

    [Fact]
    public async Task AddCarrier_AMemberOfTheSecondCarrier_CanRead_FromTheirOwnJoinFloor()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_source", 5));
        await Expect404(() => Service.OpenAsync("carol", media.MediaId, None));

        Assert.True(await Service.AddCarrierAsync(media.MediaId, new MediaCarrier("g_target", 3), None));

        Assert.Equal(MediaHarness.ReadUrl(media.MediaId, false), await Service.OpenAsync("carol", media.MediaId, None));
        Assert.NotNull(await Service.OpenAsync("bob", media.MediaId, None));
        await Expect404(() => Service.OpenAsync("dave", media.MediaId, None)); // joined after seq 3 of the target
        await Expect404(() => Service.OpenAsync("eve", media.MediaId, None));
        Assert.Equal([new MediaCarrier("g_source", 5), new MediaCarrier("g_target", 3)], h.Stored(media.MediaId)!.Carriers);
        h.Blobs.Verify(b => b.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task AddCarrier_Twice_WritesOnce()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_source", 5));

        await Service.AddCarrierAsync(media.MediaId, new MediaCarrier("g_target", 3), None);
        await Service.AddCarrierAsync(media.MediaId, new MediaCarrier("g_target", 3), None);

        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(2, h.Stored(media.MediaId)!.Carriers.Count);
    }

    [Fact]
    public async Task AddCarrier_ToARecordFromBeforeForwarding_KeepsItsCarrier_InTheNewForm()
    {
        var media = h.StoreUploaded(MediaBuilder.AttachedBeforeForwarding("g_source", 5));
        Assert.NotNull(await Service.OpenAsync("bob", media.MediaId, None)); // read as one carrier

        await Service.AddCarrierAsync(media.MediaId, new MediaCarrier("g_target", 3), None);

        var stored = h.Stored(media.MediaId)!;
        Assert.Equal([new MediaCarrier("g_source", 5), new MediaCarrier("g_target", 3)], stored.Carriers);
        Assert.Equal(((string?)null, (long?)null), (stored.ChatId, stored.Seq));
        Assert.NotNull(await Service.OpenAsync("bob", media.MediaId, None));
    }

    [Fact]
    public async Task AddCarrier_ToWithdrawnOrUnattachedMedia_AddsNothing()
    {
        var deleted = h.StoreUploaded(MediaBuilder.Attached("g_source", 5, mediaId: "gone") with { State = MediaStates.Deleted, Carriers = [] });
        var pending = h.StoreUploaded(MediaBuilder.Pending(mediaId: "pending"));

        Assert.False(await Service.AddCarrierAsync(deleted.MediaId, new MediaCarrier("g_target", 3), None));
        Assert.False(await Service.AddCarrierAsync(pending.MediaId, new MediaCarrier("g_target", 3), None));
        Assert.False(await Service.AddCarrierAsync("no-such-media", new MediaCarrier("g_target", 3), None));

        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        await Expect404(() => Service.OpenAsync("carol", deleted.MediaId, None));
    }

    [Fact]
    public async Task Discard_OneOfTwoCarriers_EndsOnlyItsAccess_AndKeepsTheBlob()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_source", 5) with { HasThumbnail = true });
        await Service.AddCarrierAsync(media.MediaId, new MediaCarrier("g_target", 3), None);

        await Service.DiscardAsync(media.MediaId, "g_source", 5, None);

        var stored = h.Stored(media.MediaId)!;
        Assert.Equal((MediaStates.Attached, true), (stored.State, stored.HasThumbnail));
        Assert.Equal([new MediaCarrier("g_target", 3)], stored.Carriers);
        Assert.True(h.BlobsById.ContainsKey(media.MediaId));
        await Expect404(() => Service.OpenAsync("bob", media.MediaId, None)); // bob saw only the source
        Assert.NotNull(await Service.OpenAsync("carol", media.MediaId, None));
        Assert.NotNull(await Service.OpenThumbnailAsync("carol", media.MediaId, None));
        h.Blobs.Verify(b => b.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Discard_TheLastCarrier_WithdrawsTheMedia_AndRemovesTheBlob()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_source", 5));
        await Service.AddCarrierAsync(media.MediaId, new MediaCarrier("g_target", 3), None);
        await Service.DiscardAsync(media.MediaId, "g_source", 5, None);

        await Service.DiscardAsync(media.MediaId, "g_target", 3, None);

        var stored = h.Stored(media.MediaId)!;
        Assert.Equal(MediaStates.Deleted, stored.State);
        Assert.Empty(stored.CurrentCarriers());
        Assert.False(h.BlobsById.ContainsKey(media.MediaId));
        await Expect404(() => Service.OpenAsync("carol", media.MediaId, None));
        await Expect404(() => Service.OpenAsync("alice", media.MediaId, None));
    }

    [Fact]
    public async Task Discard_AMessageThatIsNotACarrier_ChangesNothing()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_source", 5));

        await Service.DiscardAsync(media.MediaId, "g_target", 3, None);

        Assert.Equal([new MediaCarrier("g_source", 5)], h.Stored(media.MediaId)!.Carriers);
        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.True(h.BlobsById.ContainsKey(media.MediaId));
    }

    [Fact]
    public async Task Discard_ConcurrentWithAForward_RereadsAndKeepsTheNewCarrier()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_source", 5));
        await Service.AddCarrierAsync(media.MediaId, new MediaCarrier("g_target", 3), None);
        h.ConflictingReplaces = 1;

        await Service.DiscardAsync(media.MediaId, "g_source", 5, None);

        Assert.Equal([new MediaCarrier("g_target", 3)], h.Stored(media.MediaId)!.Carriers);
    }

    private static async Task Expect404(Func<Task> call) =>
        Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(call)).Status);
    [Fact]
    public async Task AnExpiredCarrier_EndsOnlyItsOwnAccess_AndWithTheLastOneGoneNobodyReads_AndTheSweepTakesTheBlob()
    {
        var now = h.Time.GetUtcNow();
        var media = h.StoreUploaded(MediaBuilder.Attached("g_source", 5) with { Carriers = [new MediaCarrier("g_source", 5, now.AddDays(1))] });
        await Service.AddCarrierAsync(media.MediaId, new MediaCarrier("g_target", 3, now.AddDays(7)), None);

        h.Time.Advance(TimeSpan.FromDays(1));
        await Expect404(() => Service.OpenAsync("bob", media.MediaId, None)); // only the source carried it for bob
        Assert.NotNull(await Service.OpenAsync("carol", media.MediaId, None));
        Assert.Equal(0, await Service.SweepAsync(None));

        h.Time.Advance(TimeSpan.FromDays(6));
        await Expect404(() => Service.OpenAsync("carol", media.MediaId, None));
        await Expect404(() => Service.OpenAsync("alice", media.MediaId, None)); // gone for everyone, its uploader included
        Assert.Equal(1, await Service.SweepAsync(None));
        Assert.False(h.BlobsById.ContainsKey(media.MediaId));
    }
}
