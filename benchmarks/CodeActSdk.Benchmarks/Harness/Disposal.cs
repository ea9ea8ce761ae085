namespace CodeActSdk.Benchmarks.Harness;

/// <summary>Disposes what the harness made, whichever of the two disposal interfaces it implements.</summary>
internal static class Disposal
{
    /// <summary>Disposes <paramref name="resource"/> asynchronously when it can, synchronously otherwise; does nothing for anything else.</summary>
    public static async ValueTask DisposeAsync(object? resource)
    {
        switch (resource)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }
}
