namespace Chat.Core.Errors;

/// <summary>Collects field errors of one request and throws them together as a 400.</summary>
public sealed class Validator
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public bool IsValid => errors.Count == 0;

    public Validator Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }

        list.Add(message);
        return this;
    }

    public Validator Required(string field, object? value)
    {
        if (value is null || (value is string s && s.Length == 0))
        {
            Add(field, "is required.");
        }

        return this;
    }

    public Validator Length(string field, string? value, int min, int max, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(field, "is required.");
            }
        }
        else if (value.Length < min || value.Length > max)
        {
            Add(field, $"must be {min}..{max} characters long.");
        }

        return this;
    }

    public Validator Range(string field, long? value, long min, long max)
    {
        if (value is { } v && (v < min || v > max))
        {
            Add(field, $"must be between {min} and {max}.");
        }

        return this;
    }

    public Validator When(bool failed, string field, string message) => failed ? Add(field, message) : this;

    public void ThrowIfInvalid()
    {
        if (!IsValid)
        {
            throw ChatErrors.Validation(errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal));
        }
    }
}
