namespace Chat.UnitTests.Services;

using Chat.Core.Chats;
using Chat.Core.Common;
using Chat.Core.Errors;
using Chat.Core.Media;
using Chat.Core.Ports;
using Chat.UnitTests.TestData;
using Moq;

public sealed class MediaServiceTests
{
    private const long MiB = 1024 * 1024;

    private static readonly CancellationToken None = CancellationToken.None;

    private readonly MediaHarness h = new();

    private MediaService Service => h.Service;

    // ---- CreateAsync ----

    [Fact]
    public async Task Create_ValidRequest_StoresAPendingRecord_AndReturnsACreateOnlyUploadUrl()
    {
        h.Time.Advance(TimeSpan.FromMinutes(3));
        var now = h.Time.GetUtcNow();

        var ticket = await Service.CreateAsync("alice", new CreateMediaRequest("holiday.jpg", "image/jpeg", 2048), None);

        var record = Assert.Single(h.AllStored);
        Assert.Equal(ticket.MediaId, record.MediaId);
        Assert.True(Ids.IsWellFormed(record.MediaId));
        Assert.Equal("alice", record.OwnerId);
        Assert.Equal("holiday.jpg", record.FileName);
        Assert.Equal("image/jpeg", record.ContentType);
        Assert.Equal(2048, record.SizeBytes);
        Assert.Equal(now, record.CreatedAt);
        Assert.Equal(MediaStates.Pending, record.State);
        Assert.Null(record.ChatId);
        Assert.False(record.IsAvatar);
        Assert.False(record.HasThumbnail);
        Assert.Equal(now + h.Options.UploadUrlLifetime, ticket.ExpiresAt);
        h.Blobs.Verify(b => b.CreateUploadAsync(record.MediaId, "image/jpeg", now + TimeSpan.FromMinutes(15), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Create_TwoUploadsWithTheSameFileName_GetDistinctMediaIds()
    {
        var first = await Service.CreateAsync("alice", new CreateMediaRequest("a.png", "image/png", 10), None);
        var second = await Service.CreateAsync("alice", new CreateMediaRequest("a.png", "image/png", 10), None);

        Assert.NotEqual(first.MediaId, second.MediaId);
        Assert.Equal(2, h.AllStored.Count);
    }

    [Theory]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("..\\..\\windows\\win.ini", "win.ini")]
    [InlineData("C:\\Users\\bob\\Pictures\\photo.jpg", "photo.jpg")]
    [InlineData("/var/tmp/a/b/report.pdf", "report.pdf")]
    [InlineData("in\u0000voice\r\n.pdf", "invoice.pdf")]
    [InlineData("tab\there\u001b[31m.txt", "tabhere[31m.txt")]
    [InlineData("  spaced name.pdf  ", "spaced name.pdf")]
    [InlineData("..", "..")]
    public async Task Create_FileName_IsStrippedOfPathsAndControlChars_AndNeverNamesTheBlob(string fileName, string shown)
    {
        var ticket = await Service.CreateAsync("alice", new CreateMediaRequest(fileName, "application/pdf", 100), None);

        var record = Assert.Single(h.AllStored);
        Assert.Equal(shown, record.FileName);
        Assert.Equal(ticket.MediaId, record.MediaId);
        Assert.True(Ids.IsWellFormed(record.MediaId));
        Assert.DoesNotContain(shown, record.MediaId, StringComparison.Ordinal);
        h.Blobs.Verify(b => b.CreateUploadAsync(record.MediaId, It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        h.Blobs.Verify(b => b.CreateUploadAsync(It.Is<string>(id => id != record.MediaId), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Create_FileNameLongerThan255_IsCutTo255()
    {
        await Service.CreateAsync("alice", new CreateMediaRequest(new string('n', 300) + ".pdf", "application/pdf", 100), None);

        Assert.Equal(new string('n', 255), Assert.Single(h.AllStored).FileName);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("photos/")]
    [InlineData("C:\\temp\\")]
    [InlineData("\u0001\u0002\u007f")]
    [InlineData("dir/\t\r\n")]
    public async Task Create_EmptyFileName_Is400OnFileName_AndStoresNothing(string? fileName)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest(fileName, "image/png", 100), None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("fileName"));
        AssertNothingCreated();
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(null)]
    public async Task Create_SizeBytesNotPositive_Is400OnSizeBytes(long? sizeBytes)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest("a.png", "image/png", sizeBytes), None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("sizeBytes"));
        Assert.False(error.Errors.ContainsKey("fileName"));
        AssertNothingCreated();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Create_MissingContentType_Is400OnContentType(string? contentType)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest("a.png", contentType, 10), None));

        Assert.Equal(400, error.Status);
        Assert.True(error.Errors!.ContainsKey("contentType"));
        AssertNothingCreated();
    }

    [Fact]
    public async Task Create_SeveralInvalidFields_AreReportedTogether()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest("", null, 0), None));

        Assert.Equal(["contentType", "fileName", "sizeBytes"], error.Errors!.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("image/jpeg")]
    [InlineData("image/png")]
    [InlineData("image/gif")]
    [InlineData("image/webp")]
    [InlineData("video/mp4")]
    [InlineData("video/quicktime")]
    [InlineData("audio/mpeg")]
    [InlineData("audio/ogg")]
    public async Task Create_MediaOf16MiB_IsAccepted_OneByteMore_Is413(string contentType)
    {
        await Service.CreateAsync("alice", new CreateMediaRequest("m", contentType, 16 * MiB), None);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest("m", contentType, (16 * MiB) + 1), None));

        Assert.Equal(413, error.Status);
        Assert.Equal(ErrorKind.TooLarge, error.Kind);
        Assert.Single(h.AllStored);
    }

    [Theory]
    [InlineData("application/pdf")]
    [InlineData("application/zip")]
    [InlineData("text/plain")]
    [InlineData("application/vnd.openxmlformats-officedocument.wordprocessingml.document")]
    public async Task Create_FileOf100MiB_IsAccepted_OneByteMore_Is413(string contentType)
    {
        await Service.CreateAsync("alice", new CreateMediaRequest("f", contentType, 100 * MiB), None);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest("f", contentType, (100 * MiB) + 1), None));

        Assert.Equal(413, error.Status);
        Assert.Single(h.AllStored);
    }

    [Fact]
    public async Task Create_FileBetweenTheTwoLimits_IsAccepted_ButAVideoOfThatSize_Is413()
    {
        await Service.CreateAsync("alice", new CreateMediaRequest("big.zip", "application/zip", 50 * MiB), None);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest("big.mp4", "video/mp4", 50 * MiB), None));

        Assert.Equal(413, error.Status);
    }

    [Theory]
    [InlineData("image/svg+xml")]
    [InlineData("text/html")]
    [InlineData("application/x-msdownload")]
    [InlineData("application/octet-stream")]
    [InlineData("image/jpeg; charset=utf-8")]
    [InlineData("image/")]
    public async Task Create_TypeNotOnTheAllowList_Is422(string contentType)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest("x", contentType, 10), None));

        Assert.Equal(422, error.Status);
        Assert.Equal(ErrorKind.PolicyViolation, error.Kind);
        AssertNothingCreated();
    }

    [Fact]
    public async Task Create_TypeNotOnTheAllowList_Is422_EvenWhenAlsoTooLarge()
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest("x", "text/html", 500 * MiB), None));

        Assert.Equal(422, error.Status);
    }

    [Theory]
    [InlineData("IMAGE/JPEG", "image/jpeg")]
    [InlineData("Image/Png", "image/png")]
    [InlineData("  application/PDF ", "application/pdf")]
    public async Task Create_ContentType_IsLowerCasedAndTrimmed(string given, string stored)
    {
        await Service.CreateAsync("alice", new CreateMediaRequest("x", given, 10), None);

        Assert.Equal(stored, Assert.Single(h.AllStored).ContentType);
        h.Blobs.Verify(b => b.CreateUploadAsync(It.IsAny<string>(), stored, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    // ---- DisplayName ----

    [Theory]
    [InlineData(null, "")]
    [InlineData("a.txt", "a.txt")]
    [InlineData("a/b\\c.txt", "c.txt")]
    [InlineData("\u0085next\u009fline", "nextline")]
    [InlineData("résumé 2026.pdf", "résumé 2026.pdf")]
    public void DisplayName_KeepsOnlyTheLastPathSegment_WithoutControlChars(string? given, string shown) =>
        Assert.Equal(shown, MediaService.DisplayName(given));

    // ---- MediaSignatures ----

    [Theory]
    [MemberData(nameof(ValidImages))]
    [MemberData(nameof(ValidVideoAndAudio))]
    public void MediaSignatures_RealHeads_Match(string contentType, byte[] head) =>
        Assert.True(MediaSignatures.Matches(contentType, head));

    [Theory]
    [MemberData(nameof(MismatchedImages))]
    [MemberData(nameof(MismatchedVideoAndAudio))]
    public void MediaSignatures_OtherHeads_DoNotMatch(string contentType, byte[] head) =>
        Assert.False(MediaSignatures.Matches(contentType, head));

    [Theory]
    [InlineData("video/mp4", "video")]
    [InlineData("video/webm", "video")]
    [InlineData("video/quicktime", "video")]
    [InlineData("audio/mpeg", "audio")]
    [InlineData("audio/ogg", "audio")]
    [InlineData("audio/wav", "audio")]
    [InlineData("audio/aac", "audio")]
    [InlineData("audio/mp4", "audio")]
    [InlineData("audio/webm", "audio")]
    public async Task Prepare_VideoOrAudio_WhoseBytesAreSomethingElse_Is422(string contentType, string messageType)
    {
        var media = h.Store(MediaBuilder.Pending(contentType: contentType));
        h.Upload(media.MediaId, "%PDF-1.7 pretending"u8.ToArray(), media.SizeBytes);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", media.MediaId, messageType, None));

        Assert.Equal(422, error.Status);
    }

    [Theory]
    [InlineData("video/mp4", "video")]
    [InlineData("video/webm", "video")]
    [InlineData("audio/mpeg", "audio")]
    [InlineData("audio/wav", "audio")]
    public async Task Prepare_VideoOrAudio_WithItsSignature_Passes_AndIsServedInlineOnceAttached(string contentType, string messageType)
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: contentType));

        var (prepared, _) = await Service.PrepareAttachmentAsync("alice", media.MediaId, messageType, None);

        Assert.False(prepared.IsServedInline());
        Assert.True((prepared with { State = MediaStates.Attached }).IsServedInline());
    }

    [Theory]
    [InlineData("application/pdf")]
    [InlineData("text/plain")]
    [InlineData("application/zip")]
    public void IsServedInline_TypesWithoutASignatureCheck_AreNever(string contentType) =>
        Assert.False(MediaBuilder.Attached("g_group1", 5, contentType: contentType).IsServedInline());

    // ---- PrepareAttachmentAsync ----

    [Fact]
    public async Task Prepare_SomeoneElsesMedia_Is400OnMediaId()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(ownerId: "bob"));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None));

        AssertInvalid(error, "mediaId");
    }

    [Theory]
    [InlineData("nosuchmedia")]
    [InlineData("../media1")]
    [InlineData("")]
    public async Task Prepare_UnknownOrMalformedMediaId_Is400OnMediaId(string mediaId)
    {
        h.StoreUploaded(MediaBuilder.Pending());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", mediaId, "image", None));

        AssertInvalid(error, "mediaId");
        h.Blobs.Verify(b => b.InspectAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Prepare_MalformedMediaId_IsNotLookedUp()
    {
        await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", "a/b", "image", None));

        h.Media.Verify(m => m.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Prepare_TheCallersAvatar_Is400OnMediaId()
    {
        var avatar = h.StoreUploaded(MediaBuilder.Avatar(ownerId: "alice"));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", avatar.MediaId, "image", None));

        AssertInvalid(error, "mediaId");
    }

    [Fact]
    public async Task Prepare_AlreadyAttached_Is400OnMediaId()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 4));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None));

        AssertInvalid(error, "mediaId");
        h.Blobs.Verify(b => b.InspectAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Theory]
    [InlineData("image", "video/mp4")]
    [InlineData("image", "application/pdf")]
    [InlineData("video", "image/png")]
    [InlineData("video", "audio/mpeg")]
    [InlineData("audio", "video/webm")]
    [InlineData("audio", "application/zip")]
    [InlineData("text", "image/jpeg")]
    [InlineData("sticker", "image/png")]
    public async Task Prepare_MessageTypeThatDoesNotFitTheContentType_Is400OnType(string messageType, string contentType)
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: contentType));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", media.MediaId, messageType, None));

        AssertInvalid(error, "type");
    }

    [Theory]
    [InlineData("image", "image/webp")]
    [InlineData("video", "video/quicktime")]
    [InlineData("audio", "audio/wav")]
    [InlineData("file", "application/pdf")]
    [InlineData("file", "image/png")]
    [InlineData("file", "video/mp4")]
    public async Task Prepare_MessageTypeThatFitsTheContentType_Succeeds(string messageType, string contentType)
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: contentType));

        var (prepared, _) = await Service.PrepareAttachmentAsync("alice", media.MediaId, messageType, None);

        Assert.Equal(media.MediaId, prepared.MediaId);
    }

    [Fact]
    public async Task Prepare_NothingUploaded_Is400OnMediaId()
    {
        var media = h.Store(MediaBuilder.Pending());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None));

        AssertInvalid(error, "mediaId");
    }

    [Fact]
    public async Task Prepare_BlobLargerThanDeclared_Is422()
    {
        var media = h.Store(MediaBuilder.Pending(contentType: "application/pdf", sizeBytes: 1000));
        h.Upload(media.MediaId, MediaBuilder.HeadOf("application/pdf"), sizeBytes: 1001);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", media.MediaId, "file", None));

        Assert.Equal(422, error.Status);
    }

    [Fact]
    public async Task Prepare_BlobExactlyAsDeclared_IsAccepted()
    {
        var media = h.Store(MediaBuilder.Pending(contentType: "application/pdf", sizeBytes: 1000));
        h.Upload(media.MediaId, MediaBuilder.HeadOf("application/pdf"), sizeBytes: 1000);

        var (prepared, _) = await Service.PrepareAttachmentAsync("alice", media.MediaId, "file", None);

        Assert.Equal(1000, prepared.SizeBytes);
    }

    [Theory]
    [InlineData("image/jpeg", "png")]
    [InlineData("image/png", "jpeg")]
    [InlineData("image/gif", "svg")]
    [InlineData("image/webp", "gif")]
    [InlineData("image/jpeg", "empty")]
    public async Task Prepare_ImageWhoseBytesDoNotMatchItsType_Is422(string contentType, string actual)
    {
        var media = h.Store(MediaBuilder.Pending(contentType: contentType));
        h.Upload(media.MediaId, actual switch
        {
            "png" => MediaBuilder.Png,
            "jpeg" => MediaBuilder.Jpeg,
            "gif" => MediaBuilder.Gif89,
            "empty" => [],
            _ => MediaBuilder.NotAnImage,
        });

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None));

        Assert.Equal(422, error.Status);
    }

    [Theory]
    [MemberData(nameof(ValidImages))]
    public async Task Prepare_ImageWithItsRealSignature_IsAccepted(string contentType, byte[] head)
    {
        var media = h.Store(MediaBuilder.Pending(contentType: contentType));
        h.Upload(media.MediaId, head);

        var (prepared, etag) = await Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None);

        Assert.Equal(contentType, prepared.ContentType);
        Assert.Equal(MediaBuilder.BlobETag, etag);
    }

    [Fact]
    public async Task Prepare_TypeWithoutASignature_IsNotChecked_AndIsNotServedInline()
    {
        var media = h.Store(MediaBuilder.Pending(contentType: "application/pdf"));
        h.Upload(media.MediaId, MediaBuilder.NotAnImage);

        var (prepared, _) = await Service.PrepareAttachmentAsync("alice", media.MediaId, "file", None);

        Assert.Equal("application/pdf", prepared.ContentType);
        Assert.False((prepared with { State = MediaStates.Attached }).IsServedInline());
    }

    [Fact]
    public async Task Prepare_WithAClaim_ReservesTheMediaForThatSend_AndRefusesAnotherSend()
    {
        var media = h.Store(MediaBuilder.Pending(contentType: "image/png"));
        h.Upload(media.MediaId, MediaBuilder.Png);

        await Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None, claimKey: "g_one|c1");

        Assert.Equal("g_one|c1", h.Stored(media.MediaId)!.ClaimedBy);
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None, claimKey: "g_two|c9"));
        AssertInvalid(error, "mediaId");
    }

    [Fact]
    public async Task Prepare_WithTheSameClaim_AgainPasses_SoARetriedSendWorks()
    {
        var media = h.Store(MediaBuilder.Pending(contentType: "image/png"));
        h.Upload(media.MediaId, MediaBuilder.Png);
        await Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None, claimKey: "g_one|c1");

        var (prepared, _) = await Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None, claimKey: "g_one|c1");

        Assert.Equal(media.MediaId, prepared.MediaId);
    }

    [Fact]
    public async Task Prepare_Success_ReturnsTheRealSizeAndTheBlobETag_AndWritesNothing()
    {
        var media = h.Store(MediaBuilder.Pending(contentType: "image/png", sizeBytes: 5000));
        h.Upload(media.MediaId, MediaBuilder.Png, sizeBytes: 4321, etag: "\"0xREAL\"");

        var (prepared, etag) = await Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None);

        Assert.Equal(4321, prepared.SizeBytes);
        Assert.Equal("\"0xREAL\"", etag);
        Assert.Equal(media.FileName, prepared.FileName);
        Assert.Equal(5000, h.Stored(media.MediaId)!.SizeBytes);
        Assert.Equal(MediaStates.Pending, h.Stored(media.MediaId)!.State);
        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        h.Jobs.Verify(j => j.EnqueueThumbnailAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    // ---- MarkAttachedAsync ----

    [Fact]
    public async Task MarkAttached_Image_SetsChatSeqAndETag_AndEnqueuesAThumbnail()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: "image/jpeg"));

        await Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_group1", 7), "\"0xETAG\"", None);

        var stored = h.Stored(media.MediaId)!;
        Assert.Equal(MediaStates.Attached, stored.State);
        Assert.Equal([new MediaCarrier("g_group1", 7)], stored.Carriers);
        Assert.Equal("\"0xETAG\"", stored.BlobETag);
        h.Jobs.Verify(j => j.EnqueueThumbnailAsync(media.MediaId, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Theory]
    [InlineData("video/mp4")]
    [InlineData("audio/mpeg")]
    [InlineData("application/pdf")]
    public async Task MarkAttached_NonImage_IsAttached_WithoutAThumbnailJob(string contentType)
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: contentType));

        await Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_group1", 7), "\"0xETAG\"", None);

        Assert.Equal(MediaStates.Attached, h.Stored(media.MediaId)!.State);
        h.Jobs.Verify(j => j.EnqueueThumbnailAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task MarkAttached_WhenTheThumbnailQueueIsDown_StillAttaches()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: "image/jpeg"));
        h.Jobs.Setup(j => j.EnqueueThumbnailAsync(media.MediaId, It.IsAny<CancellationToken>())).ThrowsAsync(new InvalidOperationException("queue down"));

        await Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_group1", 7), "\"0xETAG\"", None);

        Assert.Equal(MediaStates.Attached, h.Stored(media.MediaId)!.State);
    }

    [Fact]
    public async Task MarkAttached_LosingEveryRace_Is503()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending());
        h.ConflictingReplaces = int.MaxValue;

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_group1", 7), "\"0xETAG\"", None));

        Assert.Equal(503, error.Status);
        Assert.Equal(MediaStates.Pending, h.Stored(media.MediaId)!.State);
    }

    [Fact]
    public async Task CompleteAttach_MediaStillReservedForTheSend_AttachesItWithItsBlobsETag()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: "application/pdf") with { ClaimedBy = "g_group1|c-1" });

        await Service.CompleteAttachAsync(media.MediaId, new MediaCarrier("g_group1", 7), "g_group1|c-1", None);

        var stored = h.Stored(media.MediaId)!;
        Assert.Equal((MediaStates.Attached, MediaBuilder.BlobETag), (stored.State, stored.BlobETag));
        Assert.Equal([new MediaCarrier("g_group1", 7)], stored.Carriers);
    }

    [Fact]
    public async Task CompleteAttach_AttachedAlready_ReservedForAnotherSend_OrNeverUploaded_ChangesNothing()
    {
        var attached = h.StoreUploaded(MediaBuilder.Attached("g_group1", 3, mediaId: "media1"));
        var other = h.StoreUploaded(MediaBuilder.Pending(mediaId: "media2") with { ClaimedBy = "g_group1|c-2" });
        var missing = h.Store(MediaBuilder.Pending(mediaId: "media3") with { ClaimedBy = "g_group1|c-1" });

        foreach (var id in new[] { attached.MediaId, other.MediaId, missing.MediaId })
        {
            await Service.CompleteAttachAsync(id, new MediaCarrier("g_group1", 7), "g_group1|c-1", None);
        }

        Assert.Equal([new MediaCarrier("g_group1", 3)], h.Stored(attached.MediaId)!.Carriers);
        Assert.Equal(MediaStates.Pending, h.Stored(other.MediaId)!.State);
        Assert.Equal(MediaStates.Pending, h.Stored(missing.MediaId)!.State);
        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task MarkAttached_MediaWithdrawnMeanwhile_StaysWithdrawn()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending() with { State = MediaStates.Deleted });

        await Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_group1", 7), "\"0xETAG\"", None);

        Assert.Equal(MediaStates.Deleted, h.Stored(media.MediaId)!.State);
        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task MarkAttached_SameMessageTwice_WritesAndEnqueuesOnce()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending());

        await Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_group1", 7), "\"0xETAG\"", None);
        await Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_group1", 7), "\"0xETAG\"", None);

        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        h.Jobs.Verify(j => j.EnqueueThumbnailAsync(media.MediaId, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task MarkAttached_UnknownMedia_DoesNothing()
    {
        await Service.MarkAttachedAsync("gone", new MediaCarrier("g_group1", 7), "\"0xETAG\"", None);

        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        h.Jobs.Verify(j => j.EnqueueThumbnailAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task MarkAttached_AfterAConcurrentWrite_RereadsAndRetries()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending());
        h.ConflictingReplaces = 2;

        await Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_group1", 7), "\"0xETAG\"", None);

        Assert.Equal([new MediaCarrier("g_group1", 7)], h.Stored(media.MediaId)!.Carriers);
        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Exactly(3));
        h.Jobs.Verify(j => j.EnqueueThumbnailAsync(media.MediaId, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task MarkAttached_AlreadyAttachedToAnotherMessage_KeepsTheFirstAttachment()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending());
        await Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_first", 3), "\"0xETAG\"", None);

        await Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_second", 9), "\"0xETAG\"", None);

        Assert.Equal([new MediaCarrier("g_first", 3)], h.Stored(media.MediaId)!.Carriers);
    }

    // ---- OpenAsync ----

    [Fact]
    public async Task Open_Owner_GetsAReadUrl_WithoutReadingTheChat()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5, ownerId: "alice"));

        var url = await Service.OpenAsync("alice", media.MediaId, None);

        Assert.Equal(MediaHarness.ReadUrl(media.MediaId, thumbnail: false), url);
        h.Blobs.Verify(b => b.CreateReadUrlAsync(It.Is<MediaRecord>(r => r.MediaId == media.MediaId && r.BlobETag == MediaBuilder.BlobETag), false, It.IsAny<CancellationToken>()), Times.Once);
        h.Chats.Verify(c => c.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Open_Owner_WhoLeftTheChat_StillGetsAReadUrl()
    {
        h.StoreChat(ChatBuilder.Group().WithMember("bob").Build());
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5, ownerId: "alice"));

        Assert.NotNull(await Service.OpenAsync("alice", media.MediaId, None));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(4L)]
    public async Task Open_MemberOfTheAttachedChat_WhoCanSeeTheMessage_GetsAReadUrl(long joinedAfterSeq)
    {
        h.StoreChat(ChatBuilder.Group().WithMember("alice").WithMember("bob", joinedAfterSeq: joinedAfterSeq).Build());
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));

        var url = await Service.OpenAsync("bob", media.MediaId, None);

        Assert.Equal(MediaHarness.ReadUrl(media.MediaId, thumbnail: false), url);
    }

    [Theory]
    [InlineData(5L)]
    [InlineData(6L)]
    [InlineData(100L)]
    public async Task Open_MemberWhoJoinedAfterTheMessage_Is404(long joinedAfterSeq)
    {
        h.StoreChat(ChatBuilder.Group().WithMember("alice").WithMember("carol", joinedAfterSeq: joinedAfterSeq).Build());
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("carol", media.MediaId, None));

        Assert.Equal(404, error.Status);
        AssertNoReadUrl();
    }

    [Fact]
    public async Task Open_NonMember_Is404()
    {
        h.StoreChat(ChatBuilder.Group().WithMember("alice").WithMember("bob").Build());
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("mallory", media.MediaId, None));

        Assert.Equal(404, error.Status);
        AssertNoReadUrl();
    }

    [Fact]
    public async Task Open_PastMember_Is404()
    {
        h.StoreChat(ChatBuilder.Group().WithMember("alice").WithPastMember("bob", 0, 9).Build());
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("bob", media.MediaId, None));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task Open_ChatNoLongerExists_Is404ForOthers()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_deleted", 5));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("bob", media.MediaId, None));

        Assert.Equal(404, error.Status);
    }

    [Theory]
    [InlineData("nosuchmedia")]
    [InlineData("../../secret")]
    [InlineData("")]
    public async Task Open_UnknownOrMalformedMediaId_Is404(string mediaId)
    {
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("alice", mediaId, None));

        Assert.Equal(404, error.Status);
        AssertNoReadUrl();
    }

    [Fact]
    public async Task Open_Avatar_AnySignedInUser_GetsAReadUrl()
    {
        var avatar = h.StoreUploaded(MediaBuilder.Avatar(ownerId: "alice"));

        var url = await Service.OpenAsync("stranger", avatar.MediaId, None);

        Assert.Equal(MediaHarness.ReadUrl(avatar.MediaId, thumbnail: false), url);
        h.Chats.Verify(c => c.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Open_PastRetention_Is410_ForOwnerAndMembers()
    {
        h.StoreChat(ChatBuilder.Group().WithMember("alice").WithMember("bob").Build());
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));
        h.Time.Advance(h.Options.Retention + TimeSpan.FromSeconds(1));

        var owner = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("alice", media.MediaId, None));
        var member = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("bob", media.MediaId, None));

        Assert.Equal(410, owner.Status);
        Assert.Equal(410, member.Status);
        AssertNoReadUrl();
    }

    [Fact]
    public async Task Open_ExactlyAtRetention_IsStillServed()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));
        h.Time.Advance(h.Options.Retention);

        Assert.NotNull(await Service.OpenAsync("alice", media.MediaId, None));
    }

    [Fact]
    public async Task Open_PastRetention_ForANonMember_Is404_Not410()
    {
        h.StoreChat(ChatBuilder.Group().WithMember("alice").Build());
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));
        h.Time.Advance(h.Options.Retention * 2);

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("mallory", media.MediaId, None));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task Open_Avatar_PastRetention_IsStillServed()
    {
        var avatar = h.StoreUploaded(MediaBuilder.Avatar());
        h.Time.Advance(TimeSpan.FromDays(400));

        Assert.NotNull(await Service.OpenAsync("stranger", avatar.MediaId, None));
    }

    [Fact]
    public async Task Open_PendingMediaWhoseBlobIsMissing_Is404_ForTheOwner()
    {
        var media = h.Store(MediaBuilder.Pending());

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("alice", media.MediaId, None));

        Assert.Equal(404, error.Status);
        AssertNoReadUrl();
    }

    [Fact]
    public async Task Open_PendingMediaThatWasUploaded_IsServedToTheOwnerOnly()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending());

        Assert.NotNull(await Service.OpenAsync("alice", media.MediaId, None));
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("bob", media.MediaId, None));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task Open_AttachedMedia_DoesNotInspectTheBlob()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));

        await Service.OpenAsync("alice", media.MediaId, None);

        h.Blobs.Verify(b => b.InspectAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    // ---- OpenThumbnailAsync ----

    [Fact]
    public async Task OpenThumbnail_BeforeTheThumbnailExists_Is404_ThenServesIt()
    {
        h.StoreChat(ChatBuilder.Group().WithMember("alice").WithMember("bob").Build());
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));

        var before = await Assert.ThrowsAsync<ChatException>(() => Service.OpenThumbnailAsync("bob", media.MediaId, None));
        await Service.MakeThumbnailAsync(media.MediaId, None);
        var url = await Service.OpenThumbnailAsync("bob", media.MediaId, None);

        Assert.Equal(404, before.Status);
        Assert.Equal(MediaHarness.ReadUrl(media.MediaId, thumbnail: true), url);
        h.Blobs.Verify(b => b.CreateReadUrlAsync(It.Is<MediaRecord>(r => r.MediaId == media.MediaId), true, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task OpenThumbnail_NonImage_Is404()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5, contentType: "application/pdf"));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenThumbnailAsync("alice", media.MediaId, None));

        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task OpenThumbnail_NonMember_Is404_EvenOnceItExists()
    {
        h.StoreChat(ChatBuilder.Group().WithMember("alice").Build());
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5) with { HasThumbnail = true });

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenThumbnailAsync("mallory", media.MediaId, None));

        Assert.Equal(404, error.Status);
        AssertNoReadUrl();
    }

    [Fact]
    public async Task OpenThumbnail_PastRetention_Is410()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5) with { HasThumbnail = true });
        h.Time.Advance(h.Options.Retention + TimeSpan.FromMinutes(1));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenThumbnailAsync("alice", media.MediaId, None));

        Assert.Equal(410, error.Status);
    }

    // ---- MakeThumbnailAsync ----

    [Fact]
    public async Task MakeThumbnail_SavesTheRenderersBytes_AndMarksHasThumbnail()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));

        await Service.MakeThumbnailAsync(media.MediaId, None);

        Assert.Equal(h.ThumbnailJpeg, h.Thumbnails[media.MediaId]);
        Assert.True(h.Stored(media.MediaId)!.HasThumbnail);
        Assert.Equal([new MediaCarrier("g_group1", 5)], h.Stored(media.MediaId)!.Carriers);
        h.Renderer.Verify(r => r.Render(It.IsAny<Stream>(), h.Options.Thumbnails), Times.Once);
        h.Blobs.Verify(b => b.OpenReadAsync(media.MediaId, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task MakeThumbnail_RendersFromTheMediaBlob()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));
        byte[]? rendered = null;
        h.Renderer.Setup(r => r.Render(It.IsAny<Stream>(), It.IsAny<ThumbnailLimits>()))
            .Callback((Stream image, ThumbnailLimits _) =>
            {
                using var copy = new MemoryStream();
                image.CopyTo(copy);
                rendered = copy.ToArray();
            })
            .Returns([1, 2, 3]);

        await Service.MakeThumbnailAsync(media.MediaId, None);

        Assert.Equal(MediaBuilder.Jpeg, rendered);
        Assert.Equal([1, 2, 3], h.Thumbnails[media.MediaId]);
    }

    [Fact]
    public async Task MakeThumbnail_WhenItAlreadyHasOne_DoesNothing()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5) with { HasThumbnail = true });

        await Service.MakeThumbnailAsync(media.MediaId, None);

        AssertNoThumbnailWork();
    }

    [Theory]
    [InlineData("video/mp4")]
    [InlineData("application/pdf")]
    public async Task MakeThumbnail_NotAnImage_DoesNothing(string contentType)
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5, contentType: contentType));

        await Service.MakeThumbnailAsync(media.MediaId, None);

        AssertNoThumbnailWork();
        Assert.False(h.Stored(media.MediaId)!.HasThumbnail);
    }

    [Fact]
    public async Task MakeThumbnail_UnknownMedia_DoesNothing()
    {
        await Service.MakeThumbnailAsync("gone", None);

        AssertNoThumbnailWork();
    }

    [Fact]
    public async Task MakeThumbnail_Twice_RendersOnce()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));

        await Service.MakeThumbnailAsync(media.MediaId, None);
        await Service.MakeThumbnailAsync(media.MediaId, None);

        h.Renderer.Verify(r => r.Render(It.IsAny<Stream>(), It.IsAny<ThumbnailLimits>()), Times.Once);
        h.Blobs.Verify(b => b.SaveThumbnailAsync(media.MediaId, It.IsAny<byte[]>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task MakeThumbnail_RendererRejectsTheImage_EndsAsNoThumbnail_WithOneWarningAndNoStackTrace()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));
        h.Renderer.Setup(r => r.Render(It.IsAny<Stream>(), It.IsAny<ThumbnailLimits>()))
            .Throws(new InvalidDataException("corrupt or too many pixels"));

        await Service.MakeThumbnailAsync(media.MediaId, None);
        await Service.MakeThumbnailAsync(media.MediaId, None); // a redelivered job does not try again

        var stored = h.Stored(media.MediaId)!;
        Assert.False(stored.HasThumbnail);
        Assert.True(stored.NoThumbnail);
        Assert.False(h.Thumbnails.ContainsKey(media.MediaId));
        h.Renderer.Verify(r => r.Render(It.IsAny<Stream>(), It.IsAny<ThumbnailLimits>()), Times.Once);
        var warning = Assert.Single(h.Logs.Entries);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, warning.Level);
        Assert.Contains(media.MediaId, warning.Message, StringComparison.Ordinal);
        Assert.Null(warning.Exception);
        Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(() => Service.OpenThumbnailAsync("alice", media.MediaId, None))).Status);
    }

    [Fact]
    public async Task MakeThumbnail_OtherFailures_Throw_SoTheQueueRetries()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));
        h.Blobs.Setup(b => b.OpenReadAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(new IOException("storage went away"));

        await Assert.ThrowsAsync<IOException>(() => Service.MakeThumbnailAsync(media.MediaId, None));

        Assert.False(h.Stored(media.MediaId)!.NoThumbnail);
        Assert.False(h.Stored(media.MediaId)!.HasThumbnail);
    }

    [Fact]
    public async Task MakeThumbnail_ManyJobsAtOnce_RenderAtMostThumbnailConcurrencyAtATime()
    {
        const int jobs = 6;
        var ids = Enumerable.Range(0, jobs).Select(i => h.StoreUploaded(MediaBuilder.Attached("g_group1", 5 + i, mediaId: "img" + i)).MediaId).ToArray();
        var inside = 0;
        var entered = 0;
        var mostAtOnce = 0;
        using var release = new SemaphoreSlim(0);
        h.Renderer.Setup(r => r.Render(It.IsAny<Stream>(), It.IsAny<ThumbnailLimits>())).Returns(() =>
        {
            var now = Interlocked.Increment(ref inside);
            Interlocked.Increment(ref entered);
            InterlockedMax(ref mostAtOnce, now);
            Assert.True(release.Wait(TimeSpan.FromSeconds(30)), "the test released this render");
            Interlocked.Decrement(ref inside);
            return h.ThumbnailJpeg;
        });

        var running = ids.Select(id => Task.Run(() => Service.MakeThumbnailAsync(id, None))).ToArray();
        for (var released = 0; released < jobs; released++)
        {
            // Renders are let go one at a time, each only once the next ones could have come in.
            var expected = Math.Min(jobs, released + h.Options.ThumbnailConcurrency);
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref entered) >= expected, TimeSpan.FromSeconds(10)), $"{expected} renders started");
            Assert.True(Volatile.Read(ref inside) <= h.Options.ThumbnailConcurrency);
            release.Release();
        }

        await Task.WhenAll(running);
        Assert.Equal(h.Options.ThumbnailConcurrency, mostAtOnce);
        Assert.All(ids, id => Assert.True(h.Stored(id)!.HasThumbnail));

        static void InterlockedMax(ref int target, int value)
        {
            for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            {
                if (Interlocked.CompareExchange(ref target, value, seen) == seen)
                {
                    return;
                }
            }
        }
    }

    [Fact]
    public async Task Prepare_ImageWhoseHeaderRulesOutAThumbnail_IsAttachedWithoutOne()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: "image/png"));
        h.Renderer.Setup(r => r.CanRender(It.IsAny<Stream>(), It.IsAny<bool>(), h.Options.Thumbnails)).Returns(false);

        var (prepared, etag) = await Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None, claimKey: "g_group1|c1");
        await Service.MarkAttachedAsync(media.MediaId, new MediaCarrier("g_group1", 5), etag, None);

        Assert.True(prepared.NoThumbnail);
        Assert.True(MediaService.ToRef(prepared).NoThumbnail);
        Assert.Null(Chat.Core.Messages.MessageViews.ToView(MediaService.ToRef(prepared)).ThumbnailUrl);
        Assert.True(h.Stored(media.MediaId)!.NoThumbnail);
        h.Jobs.Verify(j => j.EnqueueThumbnailAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        Assert.Contains(h.Logs.Entries, e => e.Message.Contains(media.MediaId, StringComparison.Ordinal) && e.Exception is null);
    }

    [Fact]
    public async Task Prepare_RenderableImage_KeepsItsThumbnailUrl_AndProbesOnlyTheHead()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: "image/png"));
        long probed = -1;
        bool? complete = null;
        h.Renderer.Setup(r => r.CanRender(It.IsAny<Stream>(), It.IsAny<bool>(), It.IsAny<ThumbnailLimits>()))
            .Callback((Stream head, bool whole, ThumbnailLimits _) => (probed, complete) = (head.Length, whole))
            .Returns(true);

        var (prepared, _) = await Service.PrepareAttachmentAsync("alice", media.MediaId, "image", None);

        Assert.False(prepared.NoThumbnail);
        Assert.Equal($"/api/media/{media.MediaId}/thumbnail", Chat.Core.Messages.MessageViews.ToView(MediaService.ToRef(prepared)).ThumbnailUrl);
        Assert.Equal(MediaBuilder.Png.Length, probed);
        Assert.True(complete, "a blob shorter than the head is the whole file");
    }

    // ---- Upload window and ticket limit ----

    [Fact]
    public async Task Create_PastTheTicketLimit_Is429WithRetryAfter_PerUser_AndAgainAfterAMinute()
    {
        for (var i = 0; i < h.Limits.UploadTicketsPerMinute; i++)
        {
            await Service.CreateAsync("alice", new CreateMediaRequest("a.png", "image/png", 10), None);
        }

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest("a.png", "image/png", 10), None));
        Assert.Equal(429, error.Status);
        Assert.NotNull(error.RetryAfter);
        Assert.Equal(h.Limits.UploadTicketsPerMinute, h.AllStored.Count);

        await Service.CreateAsync("bob", new CreateMediaRequest("b.png", "image/png", 10), None);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        await Service.CreateAsync("alice", new CreateMediaRequest("a.png", "image/png", 10), None);
    }

    [Fact]
    public async Task Create_InvalidRequests_DoNotSpendTickets()
    {
        for (var i = 0; i < h.Limits.UploadTicketsPerMinute + 5; i++)
        {
            await Assert.ThrowsAsync<ChatException>(() => Service.CreateAsync("alice", new CreateMediaRequest("a.exe", "application/x-msdownload", 10), None));
        }

        await Service.CreateAsync("alice", new CreateMediaRequest("a.png", "image/png", 10), None);
    }

    [Fact]
    public async Task Prepare_TicketPastTheUnattachedLifetime_IsRefused_AndItsUploadIsNotServed()
    {
        var ticket = await Service.CreateAsync("alice", new CreateMediaRequest("late.png", "image/png", MediaBuilder.Png.Length), None);
        h.Upload(ticket.MediaId, MediaBuilder.Png);
        h.Time.Advance(h.Options.UnattachedLifetime + TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.PrepareAttachmentAsync("alice", ticket.MediaId, "image", None));

        AssertInvalid(error, "mediaId");
        Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("alice", ticket.MediaId, None))).Status);
    }

    [Fact]
    public void Options_UploadUrlOutlivingThePendingRecord_AreRefused()
    {
        var options = new MediaOptions { UploadUrlLifetime = TimeSpan.FromDays(2), UnattachedLifetime = TimeSpan.FromDays(1) };

        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToArray();

        Assert.Contains(errors, e => e.MemberNames.Contains(nameof(MediaOptions.UploadUrlLifetime)));
        Assert.Empty(new MediaOptions().Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)));
    }

    [Fact]
    public async Task MakeThumbnail_AfterAConcurrentWrite_RereadsAndStillMarksHasThumbnail()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));
        h.ConflictingReplaces = 1;

        await Service.MakeThumbnailAsync(media.MediaId, None);

        Assert.True(h.Stored(media.MediaId)!.HasThumbnail);
        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    // ---- DiscardAsync ----

    [Fact]
    public async Task Discard_MarksTheRecordDeleted_RemovesTheBlobs_AndReadsAnswer404ForEveryone()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5, ownerId: "alice") with { HasThumbnail = true });

        await Service.DiscardAsync(media.MediaId, "g_group1", 5, None);

        var stored = h.Stored(media.MediaId)!;
        Assert.Equal(MediaStates.Deleted, stored.State);
        Assert.False(stored.HasThumbnail);
        Assert.False(h.BlobsById.ContainsKey(media.MediaId));
        h.Blobs.Verify(b => b.DeleteAsync(media.MediaId, It.IsAny<CancellationToken>()), Times.Once);
        Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("alice", media.MediaId, None))).Status);
        Assert.Equal(404, (await Assert.ThrowsAsync<ChatException>(() => Service.OpenThumbnailAsync("alice", media.MediaId, None))).Status);
        h.Blobs.Verify(b => b.CreateReadUrlAsync(It.IsAny<MediaRecord>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Discard_Again_OnlyRetriesTheBlobDelete_AndUnknownMediaIsNothing()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));
        await Service.DiscardAsync(media.MediaId, "g_group1", 5, None);

        await Service.DiscardAsync(media.MediaId, "g_group1", 5, None);
        await Service.DiscardAsync("no-such-media", "g_group1", 5, None);

        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Once);
        h.Blobs.Verify(b => b.DeleteAsync(media.MediaId, It.IsAny<CancellationToken>()), Times.Exactly(2));
        h.Blobs.Verify(b => b.DeleteAsync("no-such-media", It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Sweep_DeletedMediaWhoseBlobRemained_DeletesTheBlob()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5) with { State = MediaStates.Deleted });

        Assert.Equal(1, await Service.SweepAsync(None));
        Assert.False(h.BlobsById.ContainsKey(media.MediaId));
    }

    // ---- SweepAsync ----

    [Fact]
    public async Task Sweep_PendingOlderThanTheUnattachedLifetime_DeletesBlobAndRecord()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending());
        h.Time.Advance(h.Options.UnattachedLifetime + TimeSpan.FromSeconds(1));

        var deleted = await Service.SweepAsync(None);

        Assert.Equal(1, deleted);
        Assert.False(h.BlobsById.ContainsKey(media.MediaId));
        Assert.Null(h.Stored(media.MediaId));
    }

    [Fact]
    public async Task Sweep_AnUploadWhoseStoredMessageCarriesIt_IsAttachedToThatMessage_NotSwept()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: "application/pdf") with { ClaimedBy = MediaClaims.Of("g_group1", "c-1") });
        var message = MessageBuilder.Text("g_group1", 7, "alice") with { Type = "file", Text = null, Media = MediaService.ToRef(media) };
        h.Messages.Setup(m => m.FindSentAsync("g_group1", "alice", "c-1", false, It.IsAny<CancellationToken>())).ReturnsAsync(new SentMessage(message, []));
        h.Time.Advance(h.Options.UnattachedLifetime + TimeSpan.FromSeconds(1));

        var deleted = await Service.SweepAsync(None);

        Assert.Equal(0, deleted);
        Assert.True(h.BlobsById.ContainsKey(media.MediaId));
        Assert.Equal((MediaStates.Attached, new MediaCarrier("g_group1", 7)), (h.Stored(media.MediaId)!.State, Assert.Single(h.Stored(media.MediaId)!.Carriers)));
    }

    [Fact]
    public async Task Sweep_AReservedUploadWhoseSendStoredNothing_OrAnotherMedia_IsSwept()
    {
        h.StoreUploaded(MediaBuilder.Pending(mediaId: "media1") with { ClaimedBy = MediaClaims.Of("g_group1", "c-1") });
        h.StoreUploaded(MediaBuilder.Pending(mediaId: "media2") with { ClaimedBy = MediaClaims.Of("g_group1", "c-2") });
        var other = MessageBuilder.Text("g_group1", 8, "alice") with { Media = MediaService.ToRef(MediaBuilder.Pending(mediaId: "media9")) };
        h.Messages.Setup(m => m.FindSentAsync("g_group1", "alice", "c-2", false, It.IsAny<CancellationToken>())).ReturnsAsync(new SentMessage(other, []));
        h.Time.Advance(h.Options.UnattachedLifetime + TimeSpan.FromSeconds(1));

        var deleted = await Service.SweepAsync(None);

        Assert.Equal(2, deleted);
        Assert.Empty(h.BlobsById);
    }

    [Fact]
    public async Task Sweep_AReservedUploadWhoseMessageHasExpired_IsSwept()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending() with { ClaimedBy = MediaClaims.Of("g_group1", "c-1") });
        var message = MessageBuilder.Text("g_group1", 7, "alice") with { Media = MediaService.ToRef(media), ExpiresAt = h.Time.GetUtcNow().AddHours(1) };
        h.Messages.Setup(m => m.FindSentAsync("g_group1", "alice", "c-1", false, It.IsAny<CancellationToken>())).ReturnsAsync(new SentMessage(message, []));
        h.Time.Advance(h.Options.UnattachedLifetime + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await Service.SweepAsync(None));
        Assert.Null(h.Stored(media.MediaId));
    }

    [Fact]
    public async Task Sweep_ABlobThatFails_IsLeftForTheNextRun_AndTheOthersAreSwept()
    {
        h.StoreUploaded(MediaBuilder.Pending(mediaId: "media1") with { ClaimedBy = MediaClaims.Of("g_group1", "c-1") });
        h.StoreUploaded(MediaBuilder.Pending(mediaId: "media2"));
        h.Messages.Setup(m => m.FindSentAsync("g_group1", "alice", "c-1", false, It.IsAny<CancellationToken>())).ThrowsAsync(ChatErrors.Unavailable("message store", TimeSpan.FromSeconds(1)));
        h.Time.Advance(h.Options.UnattachedLifetime + TimeSpan.FromSeconds(1));

        var deleted = await Service.SweepAsync(None);

        Assert.Equal(1, deleted);
        Assert.Equal(["media1"], h.BlobsById.Keys);
        Assert.NotNull(h.Stored("media1"));
    }

    [Fact]
    public async Task Sweep_PendingWithinTheUnattachedLifetime_IsKept()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending());
        h.Time.Advance(h.Options.UnattachedLifetime);

        var deleted = await Service.SweepAsync(None);

        Assert.Equal(0, deleted);
        Assert.True(h.BlobsById.ContainsKey(media.MediaId));
        Assert.NotNull(h.Stored(media.MediaId));
    }

    [Fact]
    public async Task Sweep_AttachedPastRetention_DeletesTheBlob_KeepsTheRecord_SoReadsAnswer410()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));
        h.Time.Advance(h.Options.Retention + TimeSpan.FromSeconds(1));

        var deleted = await Service.SweepAsync(None);

        Assert.Equal(1, deleted);
        Assert.False(h.BlobsById.ContainsKey(media.MediaId));
        Assert.NotNull(h.Stored(media.MediaId));
        h.Blobs.Verify(b => b.DeleteAsync(media.MediaId, It.IsAny<CancellationToken>()), Times.Once);
        h.Media.Verify(m => m.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        var error = await Assert.ThrowsAsync<ChatException>(() => Service.OpenAsync("alice", media.MediaId, None));
        Assert.Equal(410, error.Status);
    }

    [Fact]
    public async Task Sweep_AttachedWithinRetention_IsKept()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));
        h.Time.Advance(h.Options.Retention);

        Assert.Equal(0, await Service.SweepAsync(None));
        Assert.True(h.BlobsById.ContainsKey(media.MediaId));
    }

    [Fact]
    public async Task Sweep_Avatar_IsNeverDeleted()
    {
        var avatar = h.StoreUploaded(MediaBuilder.Avatar());
        h.Time.Advance(TimeSpan.FromDays(3650));

        Assert.Equal(0, await Service.SweepAsync(None));
        Assert.True(h.BlobsById.ContainsKey(avatar.MediaId));
        Assert.NotNull(h.Stored(avatar.MediaId));
        h.Blobs.Verify(b => b.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Sweep_OrphanBlobWithoutARecord_IsDeleted_Immediately()
    {
        h.Upload("orphan1", MediaBuilder.Png);

        var deleted = await Service.SweepAsync(None);

        Assert.Equal(1, deleted);
        Assert.Empty(h.BlobsById);
        h.Media.Verify(m => m.DeleteAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task Sweep_Mixed_ReturnsTheNumberOfBlobsDeleted()
    {
        var start = TestClock.Start;
        h.Time.Advance(TimeSpan.FromDays(40));
        var now = h.Time.GetUtcNow();
        var stalePending = h.StoreUploaded(MediaBuilder.Pending("stale", createdAt: now - TimeSpan.FromDays(2)));
        var freshPending = h.StoreUploaded(MediaBuilder.Pending("fresh", createdAt: now - TimeSpan.FromHours(1)));
        var expired = h.StoreUploaded(MediaBuilder.Attached("g_group1", 1, "expired", createdAt: start));
        var current = h.StoreUploaded(MediaBuilder.Attached("g_group1", 2, "current", createdAt: now - TimeSpan.FromDays(29)));
        var avatar = h.StoreUploaded(MediaBuilder.Avatar("avatar", createdAt: start));
        h.Upload("orphan", MediaBuilder.Jpeg);

        var deleted = await Service.SweepAsync(None);

        Assert.Equal(3, deleted);
        Assert.Equal([avatar.MediaId, current.MediaId, freshPending.MediaId], h.BlobsById.Keys.Order(StringComparer.Ordinal));
        Assert.Null(h.Stored(stalePending.MediaId));
        Assert.NotNull(h.Stored(expired.MediaId));
    }

    [Fact]
    public async Task Sweep_NoBlobs_ReturnsZero()
    {
        h.Store(MediaBuilder.Pending());
        h.Time.Advance(TimeSpan.FromDays(10));

        Assert.Equal(0, await Service.SweepAsync(None));
    }

    // ---- ClaimAvatarAsync ----

    [Fact]
    public async Task ClaimAvatar_MarksIsAvatar_Attached_WithTheBlobETagAndRealSize_AndEnqueuesAThumbnail()
    {
        var media = h.Store(MediaBuilder.Pending("pic", contentType: "image/webp", sizeBytes: 9000));
        h.Upload(media.MediaId, MediaBuilder.Webp, sizeBytes: 8000, etag: "\"0xAVATAR\"");

        await Service.ClaimAvatarAsync("alice", media.MediaId, None);

        var stored = h.Stored(media.MediaId)!;
        Assert.True(stored.IsAvatar);
        Assert.Equal(MediaStates.Attached, stored.State);
        Assert.Equal("\"0xAVATAR\"", stored.BlobETag);
        Assert.Equal(8000, stored.SizeBytes);
        Assert.Empty(stored.CurrentCarriers());
        h.Jobs.Verify(j => j.EnqueueThumbnailAsync(media.MediaId, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task ClaimAvatar_ThenAnyUserCanOpenIt_AndTheSweepKeepsIt()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending("pic"));

        await Service.ClaimAvatarAsync("alice", media.MediaId, None);
        h.Time.Advance(TimeSpan.FromDays(90));

        Assert.NotNull(await Service.OpenAsync("stranger", media.MediaId, None));
        Assert.Equal(0, await Service.SweepAsync(None));
    }

    [Fact]
    public async Task ClaimAvatar_NotAnImage_Is400OnType()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(contentType: "application/pdf"));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ClaimAvatarAsync("alice", media.MediaId, None));

        AssertInvalid(error, "type");
        Assert.False(h.Stored(media.MediaId)!.IsAvatar);
        h.Jobs.Verify(j => j.EnqueueThumbnailAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task ClaimAvatar_SomeoneElsesMedia_Is400()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending(ownerId: "bob"));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ClaimAvatarAsync("alice", media.MediaId, None));

        AssertInvalid(error, "mediaId");
        Assert.False(h.Stored(media.MediaId)!.IsAvatar);
    }

    [Fact]
    public async Task ClaimAvatar_MediaAlreadyAttachedToAMessage_Is400()
    {
        var media = h.StoreUploaded(MediaBuilder.Attached("g_group1", 5));

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ClaimAvatarAsync("alice", media.MediaId, None));

        Assert.Equal(400, error.Status);
        Assert.False(h.Stored(media.MediaId)!.IsAvatar);
    }

    [Fact]
    public async Task ClaimAvatar_UnderContention_Is503_AndEnqueuesNothing()
    {
        var media = h.StoreUploaded(MediaBuilder.Pending());
        h.ConflictingReplaces = 1;

        var error = await Assert.ThrowsAsync<ChatException>(() => Service.ClaimAvatarAsync("alice", media.MediaId, None));

        Assert.Equal(503, error.Status);
        Assert.NotNull(error.RetryAfter);
        h.Jobs.Verify(j => j.EnqueueThumbnailAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    public static TheoryData<string, byte[]> ValidImages() => new()
    {
        { "image/jpeg", MediaBuilder.Jpeg },
        { "image/png", MediaBuilder.Png },
        { "image/gif", MediaBuilder.Gif87 },
        { "image/gif", MediaBuilder.Gif89 },
        { "image/webp", MediaBuilder.Webp },
    };

    public static TheoryData<string, byte[]> ValidVideoAndAudio() => new()
    {
        { "video/mp4", MediaBuilder.Mp4 },
        { "video/quicktime", MediaBuilder.QuickTime },
        { "video/quicktime", [0x00, 0x00, 0x00, 0x08, (byte)'w', (byte)'i', (byte)'d', (byte)'e', 0, 0, 0, 0] },
        { "video/webm", MediaBuilder.WebM },
        { "audio/webm", MediaBuilder.WebM },
        { "audio/mp4", MediaBuilder.M4a },
        { "audio/ogg", MediaBuilder.Ogg },
        { "audio/mpeg", MediaBuilder.Mp3WithId3 },
        { "audio/mpeg", MediaBuilder.Mp3Frame },
        { "audio/aac", MediaBuilder.AacAdts },
        { "audio/aac", MediaBuilder.AacAdtsMpeg2 },
        { "audio/wav", MediaBuilder.Wav },
    };

    public static TheoryData<string, byte[]> MismatchedVideoAndAudio() => new()
    {
        { "video/mp4", MediaBuilder.WebM },
        { "video/mp4", "\0\0\0\x18moov"u8.ToArray() },
        { "video/mp4", [0x00, 0x00, 0x00, 0x18, (byte)'f', (byte)'t', (byte)'y'] },
        { "video/quicktime", MediaBuilder.Ogg },
        { "video/webm", MediaBuilder.Mp4 },
        { "video/webm", [0x1A, 0x45, 0xDF] },
        { "audio/webm", MediaBuilder.Ogg },
        { "audio/mp4", MediaBuilder.Mp3WithId3 },
        { "audio/ogg", "OggX"u8.ToArray() },
        { "audio/mpeg", MediaBuilder.AacAdts },
        { "audio/mpeg", [0xFF, 0xFF, 0xF0, 0x00] },
        { "audio/mpeg", "<html>"u8.ToArray() },
        { "audio/aac", MediaBuilder.Mp3Frame },
        { "audio/aac", MediaBuilder.Wav },
        { "audio/wav", MediaBuilder.Webp },
        { "audio/wav", [] },
        { "video/x-msvideo", "RIFF\0\0\0\0AVI "u8.ToArray() },
    };

    public static TheoryData<string, byte[]> MismatchedImages() => new()
    {
        { "image/jpeg", MediaBuilder.Png },
        { "image/jpeg", [0xFF, 0xD8] },
        { "image/png", MediaBuilder.Jpeg },
        { "image/png", [0x89, 0x50, 0x4E, 0x47] },
        { "image/gif", "GIF88a...."u8.ToArray() },
        { "image/gif", MediaBuilder.NotAnImage },
        { "image/webp", "RIFF\0\0\0\0WAVEfmt "u8.ToArray() },
        { "image/webp", "RIFF\0\0\0\0WEB"u8.ToArray() },
        { "image/webp", [] },
        { "image/bmp", "BM\0\0\0\0"u8.ToArray() },
        { "image/svg+xml", MediaBuilder.NotAnImage },
        { "application/pdf", MediaBuilder.Jpeg },
    };

    private static void AssertInvalid(ChatException error, string field)
    {
        Assert.Equal(400, error.Status);
        Assert.NotNull(error.Errors);
        Assert.True(error.Errors.ContainsKey(field), $"expected errors.{field}, got {string.Join(", ", error.Errors.Keys)}");
    }

    private void AssertNothingCreated()
    {
        h.Media.Verify(m => m.CreateAsync(It.IsAny<MediaRecord>(), It.IsAny<CancellationToken>()), Times.Never);
        h.Blobs.Verify(b => b.CreateUploadAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    private void AssertNoReadUrl() =>
        h.Blobs.Verify(b => b.CreateReadUrlAsync(It.IsAny<MediaRecord>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()), Times.Never);

    private void AssertNoThumbnailWork()
    {
        h.Blobs.Verify(b => b.OpenReadAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
        h.Renderer.Verify(r => r.Render(It.IsAny<Stream>(), It.IsAny<ThumbnailLimits>()), Times.Never);
        h.Blobs.Verify(b => b.SaveThumbnailAsync(It.IsAny<string>(), It.IsAny<byte[]>(), It.IsAny<CancellationToken>()), Times.Never);
        h.Media.Verify(m => m.TryReplaceAsync(It.IsAny<MediaRecord>(), It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
