using System.Text.RegularExpressions;
using ArchUnitNET.Domain;
using ArchUnitNET.Domain.Extensions;
using ArchUnitNET.Loader;

namespace Rapport.Tests.Architecture;

/// <summary>
/// The boundaries of the code, read from the compiled assembly by ArchUnitNET (which follows calls made inside async
/// methods and lambdas back to the method that wrote them).
/// </summary>
public sealed partial class ArchitectureTests
{
    private static readonly ArchUnitNET.Domain.Architecture Rapport = new ArchLoader().LoadAssemblies(typeof(RapportHost).Assembly).Build();

    /// <summary>Every write a method makes through EF Core: saving, adding, removing, attaching, bulk updates and deletes.</summary>
    private static bool IsWrite(IMember target) =>
        target.DeclaringType.FullName switch
        {
            "Microsoft.EntityFrameworkCore.DbContext" => WriteMethod().IsMatch(target.Name),
            var t when t.StartsWith("Microsoft.EntityFrameworkCore.DbSet`1", StringComparison.Ordinal) => WriteMethod().IsMatch(target.Name),
            "Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions" or "Microsoft.EntityFrameworkCore.RelationalQueryableExtensions"
                => target.Name.StartsWith("ExecuteUpdate", StringComparison.Ordinal) || target.Name.StartsWith("ExecuteDelete", StringComparison.Ordinal),
            _ => false,
        };

    [GeneratedRegex(@"^(SaveChanges|Add|AddRange|Remove|RemoveRange|Update|UpdateRange|Attach|AttachRange)(Async)?\(")]
    private static partial Regex WriteMethod();

    /// <summary>A page (a Razor component) or an API endpoint class: the doors through which a person or a program writes.</summary>
    private static bool IsDoor(IType type)
    {
        var name = type.FullName.Replace("__Blazor.", "", StringComparison.Ordinal);
        return name.Contains(".Pages.", StringComparison.Ordinal) || name.StartsWith("Rapport.Components.", StringComparison.Ordinal)
            || Regex.IsMatch(name, @"^Rapport\.[A-Za-z.]+Api(\b|/|\+|$)");
    }

    private static List<string> Writers(Func<IType, bool> callers) =>
        [.. Rapport.Types.Where(callers)
            .SelectMany(t => t.Members.SelectMany(m => m.GetMethodCallDependencies()).Where(d => IsWrite(d.TargetMember))
                .Select(d => $"{Outer(t.FullName)} -> {d.TargetMember.DeclaringType.Name}.{d.TargetMember.Name}"))
            .Distinct().Order()];

    private static string Outer(string fullName) => fullName.Replace("__Blazor.", "", StringComparison.Ordinal).Split('/', '+')[0];

    [Fact]
    public void PagesAndEndpoints_WriteOnlyThroughTheirFeatureService()
    {
        List<string> strays = [.. Writers(IsDoor)];
        Assert.Empty(strays);
    }

    [Fact]
    public void Messages_AreWrittenOnlyByIngestAndConversationActions()
    {
        // A customer's message is stored by ingest; a reply or a note by the conversation's actions (the outbox delivers it).
        var makers = Rapport.Types
            .Where(t => t.Members.SelectMany(m => m.GetMethodCallDependencies())
                .Any(d => d.TargetMember.DeclaringType.FullName == "Rapport.Conversations.Message" && d.TargetMember.Name.StartsWith(".ctor", StringComparison.Ordinal)))
            .Select(t => Outer(t.FullName)).Distinct().Order().ToList();
        Assert.Equal(["Rapport.Conversations.ConversationActions", "Rapport.Ingest.IngestService"], makers);
    }
}
