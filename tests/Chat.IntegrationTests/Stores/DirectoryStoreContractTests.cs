namespace Chat.IntegrationTests.Stores;

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
        Assert.Null(await Store.GetRegistrationAsync(StoreData.NewPhone(), Ct));
    }

    [Fact]
    public async Task UpsertRegistration_ThenGet_RoundTripsEveryField()
    {
        var registration = StoreData.Registration(StoreData.NewPhone(), InTenMinutes);

        await Store.UpsertRegistrationAsync(registration, Ct);

        var stored = await Store.GetRegistrationAsync(registration.PhoneNumber, Ct);
        Assert.NotNull(stored);
        Assert.Equal(registration, stored.Value);
        Assert.False(string.IsNullOrEmpty(stored.ETag));
    }

    [Fact]
    public async Task UpsertRegistration_Again_OverwritesThePendingOne()
    {
        var phone = StoreData.NewPhone();
        await Store.UpsertRegistrationAsync(StoreData.Registration(phone, InTenMinutes), Ct);
        var again = StoreData.Registration(phone, InTenMinutes) with { Attempts = 0 };

        await Store.UpsertRegistrationAsync(again, Ct);

        Assert.Equal(again, (await Store.GetRegistrationAsync(phone, Ct))!.Value);
    }

    [Fact]
    public async Task UpsertRegistration_AlreadyExpired_IsStillAccepted()
    {
        var registration = StoreData.Registration(StoreData.NewPhone(), DateTimeOffset.UtcNow.AddMinutes(-5));

        await Store.UpsertRegistrationAsync(registration, Ct);

        Assert.Equal(registration, (await Store.GetRegistrationAsync(registration.PhoneNumber, Ct))!.Value);
    }

    [Fact]
    public async Task TryReplaceRegistration_WithCurrentEtag_ReturnsTrue_AndTheEtagChanges()
    {
        var registration = StoreData.Registration(StoreData.NewPhone(), InTenMinutes);
        await Store.UpsertRegistrationAsync(registration, Ct);
        var before = (await Store.GetRegistrationAsync(registration.PhoneNumber, Ct))!;
        var attempted = registration with { Attempts = 2 };

        Assert.True(await Store.TryReplaceRegistrationAsync(attempted, before.ETag, Ct));

        var after = (await Store.GetRegistrationAsync(registration.PhoneNumber, Ct))!;
        Assert.Equal(attempted, after.Value);
        Assert.NotEqual(before.ETag, after.ETag);
    }

    [Fact]
    public async Task TryReplaceRegistration_WithStaleEtag_ReturnsFalse_AndKeepsTheNewerOne()
    {
        var registration = StoreData.Registration(StoreData.NewPhone(), InTenMinutes);
        await Store.UpsertRegistrationAsync(registration, Ct);
        var stale = (await Store.GetRegistrationAsync(registration.PhoneNumber, Ct))!.ETag;
        var first = registration with { Attempts = 2 };
        Assert.True(await Store.TryReplaceRegistrationAsync(first, stale, Ct));

        Assert.False(await Store.TryReplaceRegistrationAsync(registration with { Attempts = 5 }, stale, Ct));

        Assert.Equal(first, (await Store.GetRegistrationAsync(registration.PhoneNumber, Ct))!.Value);
    }

    [Fact]
    public async Task TryReplaceRegistration_AfterAnUpsert_ReturnsFalse()
    {
        var phone = StoreData.NewPhone();
        await Store.UpsertRegistrationAsync(StoreData.Registration(phone, InTenMinutes), Ct);
        var stale = (await Store.GetRegistrationAsync(phone, Ct))!.ETag;
        var resent = StoreData.Registration(phone, InTenMinutes);
        await Store.UpsertRegistrationAsync(resent, Ct);

        Assert.False(await Store.TryReplaceRegistrationAsync(resent with { Attempts = 2 }, stale, Ct));

        Assert.Equal(resent, (await Store.GetRegistrationAsync(phone, Ct))!.Value);
    }

    [Fact]
    public async Task DeleteRegistration_RemovesIt_AndDeletingAgainIsFine()
    {
        var registration = StoreData.Registration(StoreData.NewPhone(), InTenMinutes);
        await Store.UpsertRegistrationAsync(registration, Ct);

        await Store.DeleteRegistrationAsync(registration.PhoneNumber, Ct);
        await Store.DeleteRegistrationAsync(registration.PhoneNumber, Ct);

        Assert.Null(await Store.GetRegistrationAsync(registration.PhoneNumber, Ct));
    }

    [Fact]
    public async Task PhoneClaimAndRegistration_OfOneNumber_AreIndependent()
    {
        var phone = StoreData.NewPhone();
        var userId = StoreData.NewId("u_");
        await Store.UpsertRegistrationAsync(StoreData.Registration(phone, InTenMinutes), Ct);

        Assert.True(await Store.TryClaimPhoneAsync(phone, userId, Ct));
        await Store.DeleteRegistrationAsync(phone, Ct);

        Assert.Equal(userId, await Store.FindUserIdByPhoneAsync(phone, Ct));
        Assert.Null(await Store.GetRegistrationAsync(phone, Ct));
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
