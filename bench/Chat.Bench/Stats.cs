namespace Chat.Bench;

/// <summary>Percentiles (nearest rank) of a set of durations in milliseconds.</summary>
public sealed record Distribution(int Count, double? P50, double? P95, double? P99, double? Max)
{
    public static Distribution Of(IEnumerable<double> valuesMs)
    {
        var sorted = valuesMs.ToArray();
        Array.Sort(sorted);
        if (sorted.Length == 0)
        {
            return new Distribution(0, null, null, null, null);
        }

        double At(double p) => Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 1);
        return new Distribution(sorted.Length, At(0.50), At(0.95), At(0.99), Math.Round(sorted[^1], 1));
    }
}
