namespace Rapport.Conversations.Live;

/// <summary>Undoes a subscription or a presence when disposed, once however often it is disposed.</summary>
internal sealed class DisposeOnce(Action undo) : IDisposable
{
    private Action? undo = undo;

    public void Dispose() => Interlocked.Exchange(ref undo, null)?.Invoke();
}
