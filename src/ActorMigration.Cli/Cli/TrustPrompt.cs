namespace ActorMigration.Cli;

/// <summary>The question ssh asks about an unknown host key, for an unknown server certificate.</summary>
public static class TrustPrompt
{
    public static bool Ask(Output output, Func<string?> readLine, string server, string fingerprint)
    {
        output.Warn($"the authenticity of {server} can't be established.");
        output.ErrorDetail($"its certificate's SHA-256 fingerprint is {fingerprint}");
        while (true)
        {
            output.ErrorDetail("Are you sure you want to trust it and continue connecting (yes/no)?");
            switch (readLine()?.Trim().ToLowerInvariant())
            {
                case "yes": return true;
                case null or "no": return false;
            }
        }
    }
}
