namespace Rapport.Conversations.Live;

/// <summary>
/// A handler registered by an open page (or a chat stream) and called from whichever thread raised the change: a request
/// that saved a message, a worker, another person's page. It runs in the execution context captured when it was
/// registered, as a timer's or a cancellation callback does, so a page hears the change with its own culture (the
/// language its circuit was opened in), not the raiser's. Without this a French page re-rendered in English after a live
/// update; see docs/decisions/0054-one-language-per-page.md.
/// </summary>
internal sealed class Listener<T>(Action<T> handler)
{
    private readonly ExecutionContext? context = ExecutionContext.Capture();

    public void Invoke(T value)
    {
        if (context is null)
        {
            handler(value);
            return;
        }
        ExecutionContext.Run(context, static state =>
        {
            var (call, argument) = ((Action<T>, T))state!;
            call(argument);
        }, (handler, value));
    }
}
