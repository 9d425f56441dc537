using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LiveAnalytics.Infrastructure;
using LiveAnalytics.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace LiveAnalytics.Tests.Accounts;

/// <summary>The Data Protection keys behind login cookies, kept in Redis: encrypted with a certificate when one is configured.</summary>
public sealed class DataProtectionKeysTests
{
    private static async Task<string> KeysInRedisAsync(AppFactory app)
    {
        var key = $"{app.Get<IOptions<RedisOptions>>().Value.KeyPrefix}:dataprotection-keys";
        return string.Join("\n", (await app.Get<IConnectionMultiplexer>().GetDatabase().ListRangeAsync(key)).Select(v => (string)v!));
    }

    [Fact]
    public async Task With_a_certificate_the_keys_in_redis_are_encrypted_and_still_work()
    {
        var path = Path.Combine(Path.GetTempPath(), $"la-dp-{Guid.NewGuid():N}.pfx");
        using (var rsa = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=LiveAnalytics keys", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllBytesAsync(path, certificate.Export(X509ContentType.Pfx, "secret-pass"));
        }
        try
        {
            await using var app = new AppFactory(new Dictionary<string, string?>
            {
                ["DataProtection:CertificatePath"] = path, ["DataProtection:CertificatePassword"] = "secret-pass",
            });
            var protector = app.Get<IDataProtectionProvider>().CreateProtector("test");
            Assert.Equal("a login", protector.Unprotect(protector.Protect("a login")));   // makes the first key, and reads it back
            var keys = await KeysInRedisAsync(app);
            Assert.Contains("encryptedSecret", keys);
            Assert.DoesNotContain("unencrypted form", keys);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Without_one_they_are_stored_as_the_framework_does_by_default()
    {
        await using var app = new AppFactory();
        app.Get<IDataProtectionProvider>().CreateProtector("test").Protect("a login");
        Assert.Contains("unencrypted form", await KeysInRedisAsync(app));
    }

    [Fact]
    public void A_missing_certificate_stops_the_start_with_a_reason()
    {
        using var app = new AppFactory(new Dictionary<string, string?> { ["DataProtection:CertificatePath"] = "/nowhere/keys.pfx" });
        var error = Assert.ThrowsAny<Exception>(() => app.Services);
        Assert.Contains("/nowhere/keys.pfx, which does not exist", error.ToString());
    }
}
