namespace Rapport.Tests.Infrastructure;

/// <summary>Waits for what background work (another node, a worker, a poll) does; the limit guards a hang, it times nothing.</summary>
internal static class Eventually
{
    public static async Task Until(Func<Task<bool>> condition, string failure = "Not seen within the time allowed.", TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromMinutes(3));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(200);
        }
    }
}
