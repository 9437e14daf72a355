namespace Rapport.Data;

/// <summary>
/// Data that belongs to one workspace. Every entity that implements it is filtered to the request's
/// workspace by <see cref="RapportDbContext"/>, so a new entity is scoped the day it is added.
/// </summary>
public interface IWorkspaceOwned
{
    Guid WorkspaceId { get; }
}
