namespace Chat.IntegrationTests.Infrastructure;

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>Checks a JSON value against a schema of an OpenAPI document (the keywords the document uses: $ref, type,
/// enum, format date-time, properties, required, additionalProperties, items, oneOf). Stricter than JSON Schema in
/// one way, to catch drift: an object may hold no property its schema does not name.</summary>
public sealed class SchemaCheck(JsonNode document)
{
    public IReadOnlyList<string> Problems(JsonNode schema, JsonNode? value)
    {
        var problems = new List<string>();
        Check(schema, value, "$", problems);
        return problems;
    }

    private void Check(JsonNode schema, JsonNode? value, string at, List<string> problems)
    {
        if (schema["$ref"] is { } reference)
        {
            Check(Resolve(reference.GetValue<string>()), value, at, problems);
            return;
        }

        if (schema["oneOf"] is JsonArray options)
        {
            var passing = options.Count(o => Problems(o!, value).Count == 0);
            if (passing != 1)
            {
                problems.Add($"{at}: matches {passing} of oneOf's schemas");
            }

            return;
        }

        if (schema["type"] is { } type && !TypeNames(type).Any(t => Is(t, value)))
        {
            problems.Add($"{at}: {value?.ToJsonString() ?? "null"} is not {type.ToJsonString()}");
            return;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            problems.Add($"{at}: {value?.ToJsonString()} is not one of {allowed.ToJsonString()}");
        }

        if (schema["format"]?.GetValue<string>() == "date-time" && value is JsonValue text && text.TryGetValue<string>(out var s)
            && !DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            problems.Add($"{at}: '{s}' is not a date-time");
        }

        switch (value)
        {
            case JsonObject obj:
                CheckObject(schema, obj, at, problems);
                break;
            case JsonArray array when schema["items"] is { } items:
                for (var i = 0; i < array.Count; i++)
                {
                    Check(items, array[i], $"{at}[{i}]", problems);
                }

                break;
        }
    }

    private void CheckObject(JsonNode schema, JsonObject obj, string at, List<string> problems)
    {
        foreach (var name in schema["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [])
        {
            if (!obj.ContainsKey(name))
            {
                problems.Add($"{at}: lacks the required '{name}'");
            }
        }

        var properties = schema["properties"]?.AsObject();
        foreach (var (name, item) in obj)
        {
            if (properties?[name] is { } property)
            {
                Check(property, item, $"{at}.{name}", problems);
            }
            else if (schema["additionalProperties"] is JsonObject additional)
            {
                Check(additional, item, $"{at}.{name}", problems);
            }
            else
            {
                problems.Add($"{at}: '{name}' is not in the schema");
            }
        }
    }

    private JsonNode Resolve(string reference) =>
        reference.TrimStart('#', '/').Split('/').Aggregate((JsonNode?)document, (node, key) => node?[key])
            ?? throw new InvalidOperationException($"{reference} does not resolve.");

    private static IEnumerable<string> TypeNames(JsonNode type) =>
        type is JsonArray many ? many.Select(t => t!.GetValue<string>()) : [type.GetValue<string>()];

    private static bool Is(string type, JsonNode? value) => (type, value?.GetValueKind()) switch
    {
        ("null", null or JsonValueKind.Null) => true,
        ("string", JsonValueKind.String) or ("boolean", JsonValueKind.True or JsonValueKind.False) => true,
        ("object", JsonValueKind.Object) or ("array", JsonValueKind.Array) or ("number", JsonValueKind.Number) => true,
        ("integer", JsonValueKind.Number) => value!.GetValue<decimal>() % 1 == 0,
        _ => false,
    };
}
