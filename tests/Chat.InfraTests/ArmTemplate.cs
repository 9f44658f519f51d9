namespace Chat.InfraTests;

using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

/// <summary>
/// One template of the compiled deployment (main.json or a module nested in it) with the deployment
/// resource that hands it its parameters, so that an expression can be followed back to where its
/// value comes from: <c>parameters('x')</c> to the value the parent passes, <c>variables('x')</c> to the
/// variable, <c>reference('module').outputs.x</c> to the module's output.
/// </summary>
public sealed partial class ArmTemplate
{
    private ArmTemplate(JsonObject json, ArmTemplate? parent, JsonObject? deployment, string path)
    {
        Json = json;
        Parent = parent;
        Deployment = deployment;
        Path = path;
    }

    public JsonObject Json { get; }

    public ArmTemplate? Parent { get; }

    /// <summary>The <c>Microsoft.Resources/deployments</c> resource in <see cref="Parent"/> that runs this template.</summary>
    public JsonObject? Deployment { get; }

    /// <summary>Module path for messages, e.g. <c>main/functionApp</c>.</summary>
    public string Path { get; }

    public static ArmTemplate Parse(string json) =>
        new(JsonNode.Parse(json)?.AsObject() ?? throw new InvalidOperationException("Empty template."), null, null, "main");

    /// <summary>Resources by symbolic name (languageVersion 2.0) or by index.</summary>
    public IEnumerable<(string Key, JsonObject Resource)> Resources =>
        Json["resources"] switch
        {
            JsonObject byName => byName.Select(p => (p.Key, p.Value!.AsObject())),
            JsonArray list => list.Select((r, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), r!.AsObject())),
            _ => [],
        };

    public IEnumerable<ArmTemplate> Modules =>
        Resources
            .Where(r => Type(r.Resource) == "Microsoft.Resources/deployments")
            .Select(r => new ArmTemplate(r.Resource["properties"]!["template"]!.AsObject(), this, r.Resource, $"{Path}/{r.Key}"));

    public IEnumerable<ArmTemplate> SelfAndModules => Modules.SelectMany(m => m.SelfAndModules).Prepend(this);

    /// <summary>Every resource of a type in this template and the modules under it.</summary>
    public IEnumerable<(ArmTemplate Scope, JsonObject Resource)> AllResources(string type) =>
        SelfAndModules.SelectMany(t => t.Resources.Where(r => string.Equals(Type(r.Resource), type, StringComparison.OrdinalIgnoreCase)).Select(r => (t, r.Resource)));

    public (ArmTemplate Scope, JsonObject Resource) Single(string type)
    {
        var found = AllResources(type).ToList();
        Assert.True(found.Count == 1, $"Expected one {type}, found {found.Count}.");
        return found[0];
    }

    public static string Type(JsonObject resource) => resource["type"]!.GetValue<string>();

    public bool IsSecureParameter(string name) =>
        Json["parameters"]?[name]?["type"]?.GetValue<string>() is { } type
        && type.StartsWith("secure", StringComparison.OrdinalIgnoreCase);

    /// <summary>What a parameter holds here: the value the parent passes, else the default (null when neither).</summary>
    public (JsonNode? Value, ArmTemplate Scope)? Parameter(string name)
    {
        if (Deployment?["properties"]?["parameters"]?[name] is { } passed && Parent is not null)
        {
            // { "value": ... }, or a whole expression (a conditional value) that yields such an object.
            return passed is JsonObject withValue && withValue.ContainsKey("value") ? (withValue["value"], Parent) : (passed, Parent);
        }

        return Json["parameters"]?[name]?["defaultValue"] is { } defaultValue ? (defaultValue, this) : null;
    }

    public JsonNode? Variable(string name) => Json["variables"]?[name];

    public ArmTemplate? Module(string symbolicName) => Modules.SingleOrDefault(m => m.Path == $"{Path}/{symbolicName}");

    /// <summary>
    /// Resolves a value that is a plain literal or a chain of whole <c>[parameters('x')]</c> /
    /// <c>[variables('x')]</c> / <c>[reference('m').outputs.x.value]</c> expressions to the literal at its
    /// end; null when it ends in something computed at deployment time.
    /// </summary>
    public JsonNode? Literal(JsonNode? value, int depth = 0)
    {
        if (value is null || depth > 20)
        {
            return null;
        }

        if (value is not JsonValue v || !v.TryGetValue<string>(out var text))
        {
            return value;
        }

        if (!IsExpression(text))
        {
            return JsonValue.Create(Unescape(text));
        }

        if (WholeParameter().Match(text) is { Success: true } p)
        {
            return Parameter(p.Groups[1].Value) is { } found ? found.Scope.Literal(found.Value, depth + 1) : null;
        }

        if (WholeVariable().Match(text) is { Success: true } var)
        {
            return Literal(Variable(var.Groups[1].Value), depth + 1);
        }

        if (WholeOutput().Match(text) is { Success: true } o && Module(o.Groups[1].Value) is { } module)
        {
            return module.Literal(module.Json["outputs"]?[o.Groups[2].Value]?["value"], depth + 1);
        }

        return null;
    }

    /// <summary>
    /// Everything an expression is made of, followed through parameters, variables and module outputs:
    /// the texts it reaches and whether any of them is a secure parameter.
    /// </summary>
    public (IReadOnlyList<string> Texts, bool ReachesSecureParameter) Trace(JsonNode? value)
    {
        var texts = new List<string>();
        var secure = false;
        var seen = new HashSet<(string, string)>();
        Walk(this, value, 0);
        return (texts, secure);

        void Walk(ArmTemplate scope, JsonNode? node, int depth)
        {
            if (node is null || depth > 30)
            {
                return;
            }

            var text = node is JsonValue v && v.TryGetValue<string>(out var s) ? s : node.ToJsonString();
            if (!seen.Add((scope.Path, text)))
            {
                return;
            }

            texts.Add(text);
            foreach (Match m in ParameterCall().Matches(text))
            {
                var name = m.Groups[1].Value;
                secure |= scope.IsSecureParameter(name);
                if (scope.Parameter(name) is { } found)
                {
                    Walk(found.Scope, found.Value, depth + 1);
                }
            }

            foreach (Match m in VariableCall().Matches(text))
            {
                Walk(scope, scope.Variable(m.Groups[1].Value), depth + 1);
            }

            foreach (Match m in OutputCall().Matches(text))
            {
                if (scope.Module(m.Groups[1].Value) is { } module)
                {
                    Walk(module, module.Json["outputs"]?[m.Groups[2].Value]?["value"], depth + 1);
                }
            }
        }
    }

    public static bool IsExpression(string text) => text.StartsWith('[') && !text.StartsWith("[[", StringComparison.Ordinal) && text.EndsWith(']');

    private static string Unescape(string text) => text.StartsWith("[[", StringComparison.Ordinal) ? text[1..] : text;

    [GeneratedRegex(@"^\[parameters\('([^']+)'\)\]$")]
    private static partial Regex WholeParameter();

    [GeneratedRegex(@"^\[variables\('([^']+)'\)\]$")]
    private static partial Regex WholeVariable();

    [GeneratedRegex(@"^\[reference\('([^']+)'\)\.outputs\.([A-Za-z0-9_]+)\.value\]$")]
    private static partial Regex WholeOutput();

    [GeneratedRegex(@"parameters\('([^']+)'\)")]
    private static partial Regex ParameterCall();

    [GeneratedRegex(@"variables\('([^']+)'\)")]
    private static partial Regex VariableCall();

    [GeneratedRegex(@"reference\('([^']+)'\)\.outputs\.([A-Za-z0-9_]+)")]
    private static partial Regex OutputCall();
}
