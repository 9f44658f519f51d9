namespace Chat.IntegrationTests.Stores;

using Chat.Core.Accounts;
using Chat.Core.Ports;
using Chat.Functions.Cosmos;
using Chat.IntegrationTests.Infrastructure;
using Xunit;

/// <summary>The contract of <see cref="IDirectoryStore"/>, run against <see cref="CosmosDirectoryStore"/> on the emulator.</summary>
[Collection(BackendCollection.Name)]
public sealed class DirectoryStoreContractTests(StoreDatabase database) : StoreContract(database), IClassFixture<StoreDatabase>
{
    private IDirectoryStore Store => new CosmosDirectoryStore(Db, TimeProvider.System);

    private static DateTimeOffset InTenMinutes => DateTimeOffset.UtcNow.AddMinutes(10);

    private static DateTimeOffset InADay => DateTimeOffset.UtcNow.AddDays(1);

    /// <summary>Records compare their lists by reference; a round trip makes a new list.</summary>
    private static void AssertSame(PhoneVerification expected, PhoneVerification actual)
    {
        Assert.Equal(expected.Pending, actual.Pending);
        Assert.Equal(expected with { Pending = Array.Empty<PendingCode>() }, actual with { Pending = Array.Empty<PendingCode>() });
    }

    // ------------------------------------------------------------------ phone numbers

    [Fact]
    public async Task FindUserIdByPhone_UnclaimedNumber_ReturnsNull()
    {
        Assert.Null(await Store.FindUserIdByPhoneAsync(StoreData.NewPhone(), Ct));
    }

    [Fact]
    public async Task TryClaimPhone_ThenFindUserIdByPhone_ReturnsTheOwner()
    {
        var phone = StoreData.NewPhone();
        var userId = StoreData.NewId("u_");

        Assert.True(await Store.TryClaimPhoneAsync(phone, userId, Ct));

        Assert.Equal(userId, await Store.FindUserIdByPhoneAsync(phone, Ct));
    }

    [Fact]
    public async Task TryClaimPhone_Twice_SecondReturnsFalse_AndTheFirstOwnerKeepsIt()
    {
        var phone = StoreData.NewPhone();
        var first = StoreData.NewId("u_");

        Assert.True(await Store.TryClaimPhoneAsync(phone, first, Ct));
        Assert.False(await Store.TryClaimPhoneAsync(phone, StoreData.NewId("u_"), Ct));
        Assert.False(await Store.TryClaimPhoneAsync(phone, first, Ct));

        Assert.Equal(first, await Store.FindUserIdByPhoneAsync(phone, Ct));
    }

    [Fact]
    public async Task FindUserIdsByPhone_MapsOnlyTheClaimedNumbers()
    {
        var claimed = Enumerable.Range(0, 5).Select(_ => (Phone: StoreData.NewPhone(), UserId: StoreData.NewId("u_"))).ToArray();
        foreach (var (phone, userId) in claimed)
        {
            await Store.TryClaimPhoneAsync(phone, userId, Ct);
        }

        string[] asked = [claimed[0].Phone, StoreData.NewPhone(), claimed[2].Phone, claimed[4].Phone, StoreData.NewPhone()];
        var found = await Store.FindUserIdsByPhoneAsync(asked, Ct);

        Assert.Equal(
            new[] { claimed[0], claimed[2], claimed[4] }.ToDictionary(c => c.Phone, c => c.UserId),
            found.OrderBy(f => f.Key, StringComparer.Ordinal).ToDictionary());
    }

    [Fact]
    public async Task FindUserIdsByPhone_NoNumbers_ReturnsEmpty()
    {
        Assert.Empty(await Store.FindUserIdsByPhoneAsync([], Ct));
    }

    [Fact]
    public async Task FindUserIdsByPhone_RepeatedNumber_MapsItOnce()
    {
        var phone = StoreData.NewPhone();
        var userId = StoreData.NewId("u_");
        await Store.TryClaimPhoneAsync(phone, userId, Ct);

        var found = await Store.FindUserIdsByPhoneAsync([phone, phone], Ct);

        Assert.Equal(new Dictionary<string, string> { [phone] = userId }, found);
    }

    // ------------------------------------------------------------------ pending registrations

    [Fact]
    public async Task GetRegistration_None_ReturnsNull()
    {
        Assert.Null(await Store.GetRegistrationAsync(StoreData.NewPhone(), StoreData.NewId(string.Empty), Ct));
    }

    [Fact]
    public async Task CreateRegistration_ThenGet_RoundTripsEveryField()
    {
        var registration = StoreData.Registration(StoreData.NewPhone(), StoreData.T0.AddMinutes(10)) with { ExpiresAt = InTenMinutes.ToOffset(TimeSpan.FromHours(2)).AddTicks(7) };

        await Store.CreateRegistrationAsync(registration, Ct);

        Assert.Equal(registration, await Store.GetRegistrationAsync(registration.PhoneNumber, registration.RegistrationId, Ct));
    }

    [Fact]
    public async Task CreateRegistration_TwoForOneNumber_AreKeptApart_NeitherChangesTheOther()
    {
        var phone = StoreData.NewPhone();
        var first = StoreData.Registration(phone, InTenMinutes) with { DisplayName = "Owner" };
        var second = StoreData.Registration(phone, InTenMinutes) with { DisplayName = "Someone else" };

        await Store.CreateRegistrationAsync(first, Ct);
        await Store.CreateRegistrationAsync(second, Ct);

        Assert.Equal(first, await Store.GetRegistrationAsync(phone, first.RegistrationId, Ct));
        Assert.Equal(second, await Store.GetRegistrationAsync(phone, second.RegistrationId, Ct));
    }

    [Fact]
    public async Task CreateRegistration_SameIdAgain_Throws_AndKeepsTheFirst()
    {
        var first = StoreData.Registration(StoreData.NewPhone(), InTenMinutes);
        await Store.CreateRegistrationAsync(first, Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.CreateRegistrationAsync(first with { PasswordHash = "other" }, Ct));

        Assert.Equal(first, await Store.GetRegistrationAsync(first.PhoneNumber, first.RegistrationId, Ct));
    }

    [Fact]
    public async Task GetRegistration_OfAnotherNumber_ReturnsNull()
    {
        var registration = StoreData.Registration(StoreData.NewPhone(), InTenMinutes);
        await Store.CreateRegistrationAsync(registration, Ct);

        Assert.Null(await Store.GetRegistrationAsync(StoreData.NewPhone(), registration.RegistrationId, Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("../verify:+15550100")]
    [InlineData("x012345678901234567890123456789012345678901234567890123456789abcd")]
    public async Task GetRegistration_MalformedId_ReturnsNull(string malformed)
    {
        Assert.Null(await Store.GetRegistrationAsync(StoreData.NewPhone(), malformed, Ct));
    }

    [Fact]
    public async Task CreateRegistration_AlreadyExpired_IsStillAccepted()
    {
        var registration = StoreData.Registration(StoreData.NewPhone(), DateTimeOffset.UtcNow.AddMinutes(-5));

        await Store.CreateRegistrationAsync(registration, Ct);

        Assert.Equal(registration, await Store.GetRegistrationAsync(registration.PhoneNumber, registration.RegistrationId, Ct));
    }

    [Fact]
    public async Task DeleteRegistration_RemovesOnlyThatOne_AndDeletingAgainIsFine()
    {
        var phone = StoreData.NewPhone();
        var deleted = StoreData.Registration(phone, InTenMinutes);
        var kept = StoreData.Registration(phone, InTenMinutes);
        await Store.CreateRegistrationAsync(deleted, Ct);
        await Store.CreateRegistrationAsync(kept, Ct);

        await Store.DeleteRegistrationAsync(phone, deleted.RegistrationId, Ct);
        await Store.DeleteRegistrationAsync(phone, deleted.RegistrationId, Ct);

        Assert.Null(await Store.GetRegistrationAsync(phone, deleted.RegistrationId, Ct));
        Assert.Equal(kept, await Store.GetRegistrationAsync(phone, kept.RegistrationId, Ct));
    }

    // ------------------------------------------------------------------ a number's verification record

    [Fact]
    public async Task GetVerification_None_ReturnsNull()
    {
        Assert.Null(await Store.GetVerificationAsync(StoreData.NewPhone(), Ct));
    }

    [Fact]
    public async Task TryCreateVerification_ThenGet_RoundTripsEveryField()
    {
        var verification = StoreData.Verification(StoreData.NewPhone(), InADay);

        Assert.True(await Store.TryCreateVerificationAsync(verification, Ct));

        var stored = await Store.GetVerificationAsync(verification.PhoneNumber, Ct);
        Assert.NotNull(stored);
        AssertSame(verification, stored.Value);
        Assert.False(string.IsNullOrEmpty(stored.ETag));
    }

    [Fact]
    public async Task TryCreateVerification_NoPendingNoCounters_RoundTrips()
    {
        var verification = PhoneVerification.Start(StoreData.NewPhone(), InADay);

        Assert.True(await Store.TryCreateVerificationAsync(verification, Ct));

        AssertSame(verification, (await Store.GetVerificationAsync(verification.PhoneNumber, Ct))!.Value);
    }

    [Fact]
    public async Task TryCreateVerification_Twice_SecondReturnsFalse_AndKeepsTheFirst()
    {
        var phone = StoreData.NewPhone();
        var first = StoreData.Verification(phone, InADay);
        Assert.True(await Store.TryCreateVerificationAsync(first, Ct));

        Assert.False(await Store.TryCreateVerificationAsync(StoreData.Verification(phone, InADay), Ct));

        AssertSame(first, (await Store.GetVerificationAsync(phone, Ct))!.Value);
    }

    [Fact]
    public async Task TryReplaceVerification_WithCurrentEtag_ReturnsTrue_AndTheEtagChanges()
    {
        var verification = StoreData.Verification(StoreData.NewPhone(), InADay);
        await Store.TryCreateVerificationAsync(verification, Ct);
        var before = (await Store.GetVerificationAsync(verification.PhoneNumber, Ct))!;
        var tried = verification with { WrongTries = new UseWindow(StoreData.T0, 4) };

        Assert.True(await Store.TryReplaceVerificationAsync(tried, before.ETag, Ct));

        var after = (await Store.GetVerificationAsync(verification.PhoneNumber, Ct))!;
        AssertSame(tried, after.Value);
        Assert.NotEqual(before.ETag, after.ETag);
    }

    [Fact]
    public async Task TryReplaceVerification_WithStaleEtag_ReturnsFalse_AndKeepsTheNewerOne()
    {
        var verification = StoreData.Verification(StoreData.NewPhone(), InADay);
        await Store.TryCreateVerificationAsync(verification, Ct);
        var stale = (await Store.GetVerificationAsync(verification.PhoneNumber, Ct))!.ETag;
        var first = verification with { WrongTries = new UseWindow(StoreData.T0, 4) };
        Assert.True(await Store.TryReplaceVerificationAsync(first, stale, Ct));

        Assert.False(await Store.TryReplaceVerificationAsync(verification with { WrongTries = new UseWindow(StoreData.T0, 9) }, stale, Ct));

        AssertSame(first, (await Store.GetVerificationAsync(verification.PhoneNumber, Ct))!.Value);
    }

    [Fact]
    public async Task TryReplaceVerification_ConcurrentWithOneEtag_ExactlyOneWins()
    {
        var verification = StoreData.Verification(StoreData.NewPhone(), InADay);
        await Store.TryCreateVerificationAsync(verification, Ct);
        var etag = (await Store.GetVerificationAsync(verification.PhoneNumber, Ct))!.ETag;

        var results = await Task.WhenAll(Enumerable.Range(1, 4).Select(n =>
            Store.TryReplaceVerificationAsync(verification with { WrongTries = new UseWindow(StoreData.T0, n) }, etag, Ct)));

        Assert.Single(results, won => won);
    }

    [Fact]
    public async Task TryReplaceVerification_Missing_ReturnsFalse_AndCreatesNothing()
    {
        var verification = StoreData.Verification(StoreData.NewPhone(), InADay);

        Assert.False(await Store.TryReplaceVerificationAsync(verification, "\"00000000-0000-0000-0000-000000000000\"", Ct));

        Assert.Null(await Store.GetVerificationAsync(verification.PhoneNumber, Ct));
    }

    [Fact]
    public async Task DeleteVerification_RemovesIt_LeavesTheRegistrations_AndDeletingAgainIsFine()
    {
        var phone = StoreData.NewPhone();
        var registration = StoreData.Registration(phone, InTenMinutes);
        await Store.TryCreateVerificationAsync(StoreData.Verification(phone, InADay), Ct);
        await Store.CreateRegistrationAsync(registration, Ct);

        await Store.DeleteVerificationAsync(phone, Ct);
        await Store.DeleteVerificationAsync(phone, Ct);

        Assert.Null(await Store.GetVerificationAsync(phone, Ct));
        Assert.Equal(registration, await Store.GetRegistrationAsync(phone, registration.RegistrationId, Ct));
    }

    [Fact]
    public async Task RegistrationAndVerification_AreStoredWithATtl_UntilTheyNoLongerMatter()
    {
        var phone = StoreData.NewPhone();
        var registration = StoreData.Registration(phone, InTenMinutes);
        await Store.CreateRegistrationAsync(registration, Ct);
        await Store.TryCreateVerificationAsync(StoreData.Verification(phone, InADay), Ct);

        var ttls = new Dictionary<string, int>();
        foreach (var id in new[] { CosmosModel.RegistrationId(phone, registration.RegistrationId), CosmosModel.VerificationId(phone) })
        {
            var item = (await Db.Directory.ReadItemAsync<System.Text.Json.JsonElement>(id, new Microsoft.Azure.Cosmos.PartitionKey(id), cancellationToken: Ct)).Resource;
            ttls[item.GetProperty("kind").GetString()!] = item.GetProperty("ttl").GetInt32();
        }

        Assert.InRange(ttls["registration"], 600, 660 + 5);
        Assert.InRange(ttls["verification"], 86_400, 86_460 + 5);
    }

    [Fact]
    public async Task PhoneClaimAndRegistration_OfOneNumber_AreIndependent()
    {
        var phone = StoreData.NewPhone();
        var userId = StoreData.NewId("u_");
        var registration = StoreData.Registration(phone, InTenMinutes);
        await Store.CreateRegistrationAsync(registration, Ct);
        await Store.TryCreateVerificationAsync(StoreData.Verification(phone, InADay), Ct);

        Assert.True(await Store.TryClaimPhoneAsync(phone, userId, Ct));
        await Store.DeleteRegistrationAsync(phone, registration.RegistrationId, Ct);
        await Store.DeleteVerificationAsync(phone, Ct);

        Assert.Equal(userId, await Store.FindUserIdByPhoneAsync(phone, Ct));
        Assert.Null(await Store.GetRegistrationAsync(phone, registration.RegistrationId, Ct));
    }

    // ------------------------------------------------------------------ invite codes

    [Fact]
    public async Task SetInvite_ThenFind_ReturnsTheChat()
    {
        var code = StoreData.NewId("inv_");
        var chatId = StoreData.NewId("g_");

        await Store.SetInviteAsync(code, chatId, Ct);

        Assert.Equal(chatId, await Store.FindInviteAsync(code, Ct));
    }

    [Fact]
    public async Task SetInvite_SameCodeAgain_PointsItAtTheNewChat()
    {
        var code = StoreData.NewId("inv_");
        var chatId = StoreData.NewId("g_");
        await Store.SetInviteAsync(code, StoreData.NewId("g_"), Ct);

        await Store.SetInviteAsync(code, chatId, Ct);

        Assert.Equal(chatId, await Store.FindInviteAsync(code, Ct));
    }

    [Fact]
    public async Task FindInvite_UnknownCode_ReturnsNull()
    {
        await Store.SetInviteAsync(StoreData.NewId("inv_"), StoreData.NewId("g_"), Ct);

        Assert.Null(await Store.FindInviteAsync(StoreData.NewId("inv_"), Ct));
    }

    [Fact]
    public async Task DeleteInvite_RemovesIt_AndDeletingAgainIsFine()
    {
        var code = StoreData.NewId("inv_");
        var kept = StoreData.NewId("inv_");
        var chatId = StoreData.NewId("g_");
        await Store.SetInviteAsync(code, chatId, Ct);
        await Store.SetInviteAsync(kept, chatId, Ct);

        await Store.DeleteInviteAsync(code, Ct);
        await Store.DeleteInviteAsync(code, Ct);

        Assert.Null(await Store.FindInviteAsync(code, Ct));
        Assert.Equal(chatId, await Store.FindInviteAsync(kept, Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("../phone:+15550100")]
    [InlineData("ünïcødé")]
    [InlineData("x012345678901234567890123456789012345678901234567890123456789abcd")]
    public async Task FindInvite_MalformedCode_ReturnsNull(string malformed)
    {
        Assert.Null(await Store.FindInviteAsync(malformed, Ct));
    }
}
