namespace Chat.Functions.Http;

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

/// <summary>
/// Which methods the given functions' routes accept at a path (below the route prefix), each route's
/// constraints honoured as both hosts' routers honour them: <c>messages/abc</c> matches no
/// <c>messages/{seq:long}</c>.
/// </summary>
public sealed class HttpRouteMatcher
{
    private static readonly IInlineConstraintResolver ConstraintResolver =
        new DefaultInlineConstraintResolver(Options.Create(new RouteOptions()), new ServiceCollection().BuildServiceProvider());

    private readonly Route[] routes;

    public HttpRouteMatcher(IEnumerable<HttpFunction> functions) =>
        routes = functions.Select(f => Route.Parse(f)).ToArray();

    /// <summary>The methods of every route that matches <paramref name="path"/>, uppercase, sorted; empty when none does.</summary>
    public IReadOnlyList<string> AllowedMethods(string path)
    {
        var normalized = new PathString("/" + path.TrimStart('/'));
        return routes.Where(r => r.Matches(normalized))
            .SelectMany(r => r.Function.HttpMethods)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private sealed record Route(HttpFunction Function, TemplateMatcher Matcher, (string Parameter, IRouteConstraint Constraint)[] Constraints)
    {
        public static Route Parse(HttpFunction function)
        {
            var template = TemplateParser.Parse(function.Route);
            var constraints = template.Parameters
                .SelectMany(p => p.InlineConstraints.Select(c => (p.Name!, ConstraintResolver.ResolveConstraint(c.Constraint)
                    ?? throw new InvalidOperationException($"Route '{function.Route}' of {function.Name} has an unknown constraint '{c.Constraint}'."))))
                .ToArray();
            return new Route(function, new TemplateMatcher(template, new RouteValueDictionary()), constraints);
        }

        public bool Matches(PathString path)
        {
            var values = new RouteValueDictionary();
            return Matcher.TryMatch(path, values)
                && Constraints.All(c => !values.ContainsKey(c.Parameter) || c.Constraint.Match(null, null, c.Parameter, values, RouteDirection.IncomingRequest));
        }
    }
}
