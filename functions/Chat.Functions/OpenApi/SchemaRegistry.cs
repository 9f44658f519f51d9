namespace Chat.Functions.OpenApi;

using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Chat.Functions.Http;

/// <summary>
/// The document's <c>components/schemas</c>: every named type of the API (a record of Chat.Core or Chat.Functions) once, as
/// <see cref="JsonSchemaExporter"/> describes it with the app's own JSON options (<see cref="ChatJson"/>), referenced with
/// <c>$ref</c> wherever it is used. <see cref="ChatJson"/> leaves nulls out, so a nullable property is optional and never
/// null (unless it is written as null on purpose, <see cref="JsonIgnoreCondition.Never"/>), and every other one is required.
/// </summary>
public sealed class SchemaRegistry
{
    private const string Prefix = "#/components/schemas/";

    // The same naming, converters and null handling as the API; nullable annotations only tell the schema what may be null.
    private static readonly JsonSerializerOptions Options = new(ChatJson.Options) { RespectNullableAnnotations = true };

    private static readonly Assembly[] ApiAssemblies = [typeof(Chat.Core.Errors.ChatException).Assembly, typeof(SchemaRegistry).Assembly];

    private readonly SortedDictionary<string, JsonNode> schemas = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Type> names = new(StringComparer.Ordinal);

    /// <summary>The schema of a JSON body of <paramref name="type"/>: a <c>$ref</c> for a named type; arrays and maps of them inline.</summary>
    public JsonNode For(Type type) => Export(type, inlineRoot: false);

    /// <summary>A <c>$ref</c> to the component of <paramref name="type"/>, added on first use.</summary>
    public JsonObject RefTo(Type type)
    {
        var name = type.Name;
        if (names.TryGetValue(name, out var known))
        {
            return known == type ? Ref(name) : throw new InvalidOperationException($"Two API types are named {name}: {known} and {type}.");
        }

        names[name] = type;
        schemas[name] = Export(type, inlineRoot: true);
        return Ref(name);
    }

    /// <summary>Adds a schema that no C# type has (e.g. the real-time events' map).</summary>
    public JsonObject Add(string name, JsonObject schema)
    {
        schemas.Add(name, schema);
        return Ref(name);
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject();
        foreach (var (name, schema) in schemas)
        {
            json[name] = schema.DeepClone();
        }

        return json;
    }

    private static JsonObject Ref(string name) => new() { ["$ref"] = Prefix + name };

    private JsonNode Export(Type type, bool inlineRoot) =>
        Options.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, schema) => Transform(context, schema, inlineRoot),
        });

    private JsonNode Transform(JsonSchemaExporterContext context, JsonNode schema, bool inlineRoot)
    {
        var type = context.TypeInfo.Type;
        if (IsNamed(context.TypeInfo) && !(inlineRoot && context.Path.IsEmpty))
        {
            return RefTo(type);
        }

        if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(DateTimeOffset))
        {
            return Timestamp(nullable: false);
        }

        if (context.TypeInfo.Kind == JsonTypeInfoKind.Object && schema is JsonObject obj && obj["properties"] is JsonObject properties)
        {
            RefineProperties(context.TypeInfo, properties);
            obj.Remove("required");
            var required = context.TypeInfo.Properties.Where(IsRequired).Select(p => (JsonNode)p.Name).ToArray();
            if (required.Length > 0)
            {
                obj["required"] = new JsonArray(required);
            }
        }

        return schema;
    }

    private static bool IsNamed(JsonTypeInfo info) =>
        info.Kind == JsonTypeInfoKind.Object && ApiAssemblies.Contains(info.Type.Assembly) && !info.Type.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute));

    // The API writes timestamps as ISO 8601 strings (ChatJson's converter, which the exporter cannot see into).
    private static JsonObject Timestamp(bool nullable) =>
        new() { ["type"] = nullable ? new JsonArray("string", "null") : "string", ["format"] = "date-time" };

    /// <summary>Each property as the API writes it: nulls left out (so no null type and no default), a vocabulary as an enum,
    /// and what <see cref="ContractSchemas"/> replaces.</summary>
    private void RefineProperties(JsonTypeInfo type, JsonObject properties)
    {
        foreach (var property in type.Properties)
        {
            var member = (MemberInfo)property.AttributeProvider!;
            var keepNull = WrittenAsNull(property);
            var schema = ContractSchemas.Replacement(member)?.Invoke(this)
                ?? ((Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType) == typeof(DateTimeOffset)
                    ? Timestamp(keepNull && property.IsGetNullable)
                    : properties[property.Name]);
            if (schema is JsonObject refined && ContractSchemas.Replacement(member) is null)
            {
                refined.Remove("default");
                if (!keepNull)
                {
                    WithoutNull(refined);
                }

                if (ContractSchemas.Values(member) is { } values)
                {
                    refined["enum"] = values;
                }
            }

            if (!ReferenceEquals(schema, properties[property.Name]))
            {
                properties[property.Name] = schema;
            }
        }
    }

    private static void WithoutNull(JsonObject schema)
    {
        if (schema["type"] is JsonArray types && types.Any(t => t?.GetValue<string>() == "null"))
        {
            var left = types.Select(t => t!.GetValue<string>()).Where(t => t != "null").ToArray();
            schema["type"] = left.Length == 1 ? left[0] : new JsonArray([.. left.Select(t => (JsonNode)t)]);
        }
    }

    private static bool IsRequired(JsonPropertyInfo property)
    {
        var member = (MemberInfo)property.AttributeProvider!;
        return ContractSchemas.IsRequiredInput(member)
            || WrittenAsNull(property)
            || (!property.IsGetNullable && property.PropertyType != typeof(JsonElement) && ContractSchemas.Replacement(member) is null);
    }

    private static bool WrittenAsNull(JsonPropertyInfo property) =>
        property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), false).OfType<JsonIgnoreAttribute>()
            .Any(a => a.Condition == JsonIgnoreCondition.Never) == true;
}
