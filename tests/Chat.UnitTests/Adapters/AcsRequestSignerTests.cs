namespace Chat.UnitTests.Adapters;

using System.Security.Cryptography;
using System.Text;
using Chat.Functions.Sms;
using Chat.UnitTests.TestData;

public sealed class AcsRequestSignerTests
{
    [Fact]
    public void Authorization_MatchesTheDocumentedStringToSign()
    {
        var key = Encoding.ASCII.GetBytes("0123456789abcdef0123456789abcdef");
        const string date = "Sat, 28 Nov 2026 10:00:00 GMT";
        const string host = "acs.example.test";
        const string path = "/sms?api-version=2021-03-07";
        const string hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"POST\n{path}\n{date};{host};{hash}")));

        var header = AcsRequestSigner.Authorization(key, "post", path, date, host, hash);

        Assert.Equal("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=" + expected, header);
    }

    [Fact]
    public void Authorization_DifferentPath_GivesADifferentSignature()
    {
        var key = new byte[32];

        Assert.NotEqual(
            AcsRequestSigner.Authorization(key, "POST", "/sms?api-version=1", "d", "h", "c"),
            AcsRequestSigner.Authorization(key, "POST", "/sms?api-version=2", "d", "h", "c"));
    }

    [Fact]
    public void ContentHash_IsBase64Sha256()
    {
        Assert.Equal("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", AcsRequestSigner.ContentHash([]));
        Assert.Equal(Convert.ToBase64String(SHA256.HashData("{}"u8)), AcsRequestSigner.ContentHash("{}"u8));
    }

    [Fact]
    public void Date_IsRfc1123InUtc()
    {
        Assert.Equal("Sat, 28 Nov 2026 10:00:00 GMT", AcsRequestSigner.Date(TestClock.Start));
        Assert.Equal("Sat, 28 Nov 2026 10:00:00 GMT", AcsRequestSigner.Date(TestClock.Start.ToOffset(TimeSpan.FromHours(2))));
    }
}
