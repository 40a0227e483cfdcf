using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EngramBulkLoad.Net;

/// <summary>Server certificate checks against a private CA (a PEM file the config names), shared by the Engram client and the sources.</summary>
public static class CertificateTrust
{
    /// <summary>
    /// True when the server's certificate is trusted by the system, or chains to one of <paramref name="trusted"/>
    /// with the right host name: the check curl --cacert makes.
    /// </summary>
    public static bool ChainsTo(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        ArgumentNullException.ThrowIfNull(trusted);
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        // A wrong host name is never excused by a trusted root; only an unknown root is.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
