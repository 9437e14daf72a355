using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Rapport.Data;

namespace Rapport.Events;

/// <summary>
/// A subscriber that works inside the publisher's unit of work: it runs before the publisher's save, writes through the
/// same context, and its writes are saved (or rolled back) with the change that made the event. Automation, the survey
/// invitation and outgoing webhooks' queued deliveries are such subscribers: an event is never half-handled.
/// </summary>
public interface IEventHandler<in TEvent>
    where TEvent : RapportEvent
{
    Task HandleAsync(TEvent e, RapportDbContext db, CancellationToken ct);
}

/// <summary>
/// Announces what happened to the subscribers registered for it (<see cref="IEventHandler{TEvent}"/> in DI), in the
/// publisher's unit of work. Call it before the save that records the change: the subscribers' writes join that save.
/// Work that must wait until the change is durable (waking a worker, telling open pages) goes to <see cref="AfterCommit"/>.
/// </summary>
public sealed class EventPublisher(IServiceProvider services)
{
    public async Task PublishAsync<TEvent>(RapportDbContext db, TEvent e, CancellationToken ct = default)
        where TEvent : RapportEvent
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(e);
        foreach (var handler in services.GetServices<IEventHandler<TEvent>>())
        {
            await handler.HandleAsync(e, db, ct);
        }
    }
}

/// <summary>
/// Work to do once a context's changes are durable: right after its save, or, inside an explicit transaction, when the
/// transaction commits. A failed save or a rollback drops it, so nothing announces a change that did not happen.
/// </summary>
public static class AfterCommit
{
    private static readonly ConditionalWeakTable<DbContext, List<Action>> Pending = [];

    /// <summary>Runs <paramref name="action"/> once <paramref name="db"/>'s next save (or its transaction) is committed.</summary>
    public static void Add(DbContext db, Action action)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(action);
        lock (Pending)
        {
            Pending.GetOrCreateValue(db).Add(action);
        }
    }

    internal static void Run(DbContext? db)
    {
        if (db is null)
        {
            return;
        }
        List<Action>? actions;
        lock (Pending)
        {
            if (!Pending.TryGetValue(db, out actions))
            {
                return;
            }
            Pending.Remove(db);
        }
        foreach (var action in actions)
        {
            // After the commit nothing can be undone: one failing action must not stop the others nor fail the save.
            try
            {
                action();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                System.Diagnostics.Trace.TraceError("An after-commit action failed: {0}", e);
            }
        }
    }

    internal static void Drop(DbContext? db)
    {
        if (db is not null)
        {
            lock (Pending)
            {
                Pending.Remove(db);
            }
        }
    }
}

/// <summary>Runs <see cref="AfterCommit"/> work after a save outside a transaction; <see cref="Transactions"/> does it on commit.</summary>
public sealed class AfterCommitInterceptor : SaveChangesInterceptor
{
    public static readonly AfterCommitInterceptor Instance = new();

    public static IInterceptor Transactions { get; } = new CommitListener();

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        RunUnlessInTransaction(eventData.Context);
        return result;
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        RunUnlessInTransaction(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        DropUnlessInTransaction(eventData.Context);
    }

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventData);
        DropUnlessInTransaction(eventData.Context);
        return Task.CompletedTask;
    }

    private static void RunUnlessInTransaction(DbContext? db)
    {
        if (db?.Database.CurrentTransaction is null)
        {
            AfterCommit.Run(db);
        }
    }

    private static void DropUnlessInTransaction(DbContext? db)
    {
        if (db?.Database.CurrentTransaction is null)
        {
            AfterCommit.Drop(db);
        }
    }

    private sealed class CommitListener : DbTransactionInterceptor
    {
        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => AfterCommit.Run(eventData?.Context);

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            AfterCommit.Run(eventData?.Context);
            return Task.CompletedTask;
        }

        public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => AfterCommit.Drop(eventData?.Context);

        public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            AfterCommit.Drop(eventData?.Context);
            return Task.CompletedTask;
        }
    }
}
