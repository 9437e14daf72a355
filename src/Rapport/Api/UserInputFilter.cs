using System.Collections;
using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using Rapport.Data;
using Rapport.Workspaces;

namespace Rapport.Api;

/// <summary>
/// The one place every API argument passes through once bound, before any endpoint sees it: each text, in the query, the
/// route or the body, is cleaned by <see cref="UserInput"/> (so "\0\0" is an empty name that the field's own rule
/// refuses, and a search for "a\0b" reaches PostgreSQL as "ab"); each date is range-checked; each body text with a
/// <see cref="MaxLengthAttribute"/> (stated as maxLength in the OpenAPI document) is held to it. A broken rule is a 400
/// naming the field (docs/decisions/0053-user-input-limits.md).
/// </summary>
public sealed class UserInputFilter : IEndpointFilter
{
    private const int MaxDepth = 4;

    private static readonly ConcurrentDictionary<Type, Field[]> Fields = new();
    private static readonly ConcurrentDictionary<MethodInfo, (string Name, bool AsParameters)[]> Parameters = new();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var endpoint = context.HttpContext.GetEndpoint();
        var parameters = endpoint?.Metadata.GetMetadata<MethodInfo>() is { } method
            ? Parameters.GetOrAdd(method, m => [.. m.GetParameters().Select(p => (p.Name ?? "", p.GetCustomAttribute<AsParametersAttribute>() is not null))])
            : [];
        // Only the body is walked: the other objects an endpoint takes are services (a database context must not be enumerated).
        var body = endpoint?.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.RequestType;
        var violations = new List<RuleViolation>();
        for (var i = 0; i < context.Arguments.Count; i++)
        {
            var name = i < parameters.Length ? parameters[i].Name : $"argument{i}";
            var grouped = i < parameters.Length && parameters[i].AsParameters;
            switch (context.Arguments[i])
            {
                case string text:
                    var clean = UserInput.IsNameLike(name) ? UserInput.CleanName(text) : UserInput.Clean(text);
                    if (!ReferenceEquals(clean, text))
                    {
                        context.Arguments[i] = clean;
                    }
                    break;
                case DateTime or DateTimeOffset or DateOnly when !UserInput.IsAcceptedDate(context.Arguments[i]):
                    violations.Add(new RuleViolation(name, "Validation.DateRange", UserInput.DateRangeMessage));
                    break;
                case { } value when (grouped || (body is not null && value.GetType() == body)) && IsRequestModel(value.GetType()):
                    Check(value, "", violations, 0);
                    // Set back: a struct of [AsParameters] was cleaned in its box, not in the endpoint's copy.
                    context.Arguments[i] = value;
                    break;
            }
        }
        return violations.Count > 0 ? Problems.Invalid(violations) : await next(context);
    }

    /// <summary>A body or parameter object of the API's own: a class or record of this assembly, not an enum.</summary>
    private static bool IsRequestModel(Type type) =>
        type.Assembly == typeof(UserInputFilter).Assembly && !type.IsEnum && !type.IsPrimitive
        && !typeof(Delegate).IsAssignableFrom(type) && !typeof(HttpContext).IsAssignableFrom(type);

    private static void Check(object model, string path, List<RuleViolation> violations, int depth)
    {
        if (depth > MaxDepth)
        {
            return;
        }
        foreach (var field in Fields.GetOrAdd(model.GetType(), Describe))
        {
            var value = field.Property.GetValue(model);
            var at = path.Length == 0 ? field.JsonName : $"{path}.{field.JsonName}";
            switch (value)
            {
                case null:
                    break;
                case string text:
                    var clean = field.Name ? UserInput.CleanName(text) : UserInput.Clean(text);
                    if (!ReferenceEquals(clean, text) && field.Property.CanWrite)
                    {
                        field.Property.SetValue(model, clean);
                    }
                    if (field.MaxLength is { } max && clean.Length > max)
                    {
                        violations.Add(new RuleViolation(at, "Validation.TooLong", $"At most {max} characters."));
                    }
                    break;
                case DateTime or DateTimeOffset or DateOnly:
                    if (!UserInput.IsAcceptedDate(value))
                    {
                        violations.Add(new RuleViolation(at, "Validation.DateRange", UserInput.DateRangeMessage));
                    }
                    break;
                case IList<string> texts when value is string[] or List<string>:
                    // Arrays and lists of texts (keywords, handles) are cleaned in place.
                    for (var i = 0; i < texts.Count; i++)
                    {
                        texts[i] = texts[i] is null ? texts[i] : UserInput.Clean(texts[i]);
                    }
                    break;
                case IEnumerable items when value is not IQueryable:
                    foreach (var item in items)
                    {
                        if (item is DateTime or DateTimeOffset or DateOnly && !UserInput.IsAcceptedDate(item))
                        {
                            violations.Add(new RuleViolation(at, "Validation.DateRange", UserInput.DateRangeMessage));
                        }
                        else if (item is not null && IsRequestModel(item.GetType()))
                        {
                            Check(item, at, violations, depth + 1);
                        }
                    }
                    break;
                default:
                    if (IsRequestModel(value.GetType()))
                    {
                        Check(value, at, violations, depth + 1);
                    }
                    break;
            }
        }
    }

    private static Field[] Describe(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .Select(p => new Field(p, JsonNamingPolicy.CamelCase.ConvertName(p.Name), UserInput.IsNameLike(p.Name),
                p.GetCustomAttribute<MaxLengthAttribute>()?.Length ?? p.GetCustomAttribute<StringLengthAttribute>()?.MaximumLength))];

    private sealed record Field(PropertyInfo Property, string JsonName, bool Name, int? MaxLength);
}
