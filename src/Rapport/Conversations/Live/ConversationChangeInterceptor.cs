using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Rapport.Conversations.Live;

/// <summary>
/// Collects the conversations and messages a save touches and publishes them once they are durable: right after the
/// save, or, inside an explicit transaction (a batched import), when it commits; a rollback publishes nothing.
/// </summary>
public sealed class ConversationChangeInterceptor(ConversationEvents events) : SaveChangesInterceptor
{
    private readonly ConditionalWeakTable<DbContext, List<ConversationChange>> pending = [];
    private readonly ConditionalWeakTable<DbContext, List<ConversationChange>> awaitingCommit = [];

    /// <summary>The transaction half: register it with the same options as this interceptor.</summary>
    public IInterceptor Transactions => new CommitListener(this);

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return result;
    }

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Publish(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Publish(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? context)
    {
        if (context is null)
        {
            return;
        }
        var changes = new List<ConversationChange>();
        foreach (var entry in context.ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified))
            {
                continue;
            }
            switch (entry.Entity)
            {
                case Conversation c:
                    changes.Add(new(c.WorkspaceId, c.Id, ConversationChangeKind.Updated));
                    break;
                case Message m:
                    changes.Add(new(m.WorkspaceId, m.ConversationId, ConversationChangeKind.Message));
                    break;
            }
        }
        pending.AddOrUpdate(context, changes);
    }

    private void Publish(DbContext? context)
    {
        if (context is null || !pending.TryGetValue(context, out var changes))
        {
            return;
        }
        pending.Remove(context);
        if (changes.Count == 0)
        {
            return;
        }
        if (context.Database.CurrentTransaction is not null)
        {
            awaitingCommit.GetOrCreateValue(context).AddRange(changes);
            return;
        }
        events.Publish(changes);
    }

    private void Committed(DbContext? context)
    {
        if (context is not null && awaitingCommit.TryGetValue(context, out var changes))
        {
            awaitingCommit.Remove(context);
            if (changes.Count > 0)
            {
                events.Publish(changes);
            }
        }
    }

    private void RolledBack(DbContext? context)
    {
        if (context is not null)
        {
            awaitingCommit.Remove(context);
        }
    }

    private sealed class CommitListener(ConversationChangeInterceptor owner) : DbTransactionInterceptor
    {
        public override void TransactionCommitted(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => owner.Committed(eventData.Context);

        public override Task TransactionCommittedAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            owner.Committed(eventData.Context);
            return Task.CompletedTask;
        }

        public override void TransactionRolledBack(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData) => owner.RolledBack(eventData.Context);

        public override Task TransactionRolledBackAsync(System.Data.Common.DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            owner.RolledBack(eventData.Context);
            return Task.CompletedTask;
        }
    }

    private void Forget(DbContext? context)
    {
        if (context is not null)
        {
            pending.Remove(context);
        }
    }
}
