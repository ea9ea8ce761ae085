using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CodeActSdk.Isolation;

/// <summary>The settings of a <see cref="WorkerPool"/>.</summary>
public sealed record WorkerPoolOptions
{
    /// <summary>Workers kept started and waiting, per backend, so that a new isolated session starts at once. 0 starts every worker on demand. Default 2.</summary>
    public int Size { get; init; } = 2;

    /// <summary>How long a waiting worker is kept before it is stopped, so an idle host does not hold processes forever. Default 5 minutes.</summary>
    public TimeSpan IdleTime { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a worker may take to start and say it is ready. Default 30 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Builds each worker's command; by default the worker next to the application.</summary>
    public WorkerLauncher Launcher { get; init; } = new();

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public WorkerPoolOptions Validate()
    {
        if (Size is < 0 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(Size), Size, "WorkerPoolOptions.Size must be between 0 and 64.");
        }

        if (IdleTime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(IdleTime), IdleTime, "WorkerPoolOptions.IdleTime must be positive.");
        }

        if (StartTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StartTimeout), StartTimeout, "WorkerPoolOptions.StartTimeout must be positive.");
        }

        ArgumentNullException.ThrowIfNull(Launcher);
        return this;
    }
}

/// <summary>
/// Worker processes started ahead of time, one queue per backend, each worker with its backend already loaded. A
/// session takes one (or starts one when none waits) and the pool starts a replacement in the background. A worker
/// serves one session and is never returned: its process ends with the session.
/// </summary>
/// <remarks>
/// Owned by whoever creates it (no global state) and thread-safe. Dispose it to stop the waiting workers; workers
/// already handed to sessions belong to those sessions. Before its first worker starts, the pool says once, as a
/// warning in its log, which protections this machine cannot apply (<see cref="WorkerLauncher.Unavailable"/>) and
/// which remain; where everything applies it says nothing.
/// </remarks>
public sealed partial class WorkerPool : IAsyncDisposable, IDisposable
{
    private readonly WorkerPoolOptions _options;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<WorkerProcess>> _idle = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _starting = new(StringComparer.Ordinal);
    private readonly Timer _reaper;
    private readonly ILogger _logger;
    private int _protectionsReported;
    private volatile bool _disposed;

    /// <summary>Creates a pool; nothing starts until a backend is asked for or warmed.</summary>
    /// <param name="options">The pool's settings; the defaults when omitted.</param>
    /// <param name="logger">Where the pool says which protections are unavailable here; nowhere when omitted.</param>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the message names it.</exception>
    public WorkerPool(WorkerPoolOptions? options = null, ILogger<WorkerPool>? logger = null)
    {
        _options = (options ?? new WorkerPoolOptions()).Validate();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var period = _options.IdleTime / 2 < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : _options.IdleTime / 2;
        _reaper = new Timer(_ => _ = ReapIdleAsync(), null, period, period);
    }

    /// <summary>The pool's settings.</summary>
    public WorkerPoolOptions Options => _options;

    /// <summary>How many started workers wait for the backend named <paramref name="backend"/> (<see cref="WorkerBackend.Name"/>) now.</summary>
    public int IdleCount(string backend) => _idle.TryGetValue(backend, out var queue) ? queue.Count : 0;

    /// <summary>
    /// Starts filling the pool for <paramref name="backend"/> in the background (for example with what
    /// <c>new JintInterpreter().GetService&lt;WorkerBackend&gt;()</c> returns). Workers wait in one queue per
    /// <see cref="WorkerBackend.Name"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="backend"/> is <see langword="null"/>.</exception>
    public void Warm(WorkerBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ObjectDisposedException.ThrowIf(_disposed, this);
        Refill(backend);
    }

    /// <summary>Takes a ready worker for <paramref name="backend"/>, or starts one.</summary>
    internal async Task<WorkerProcess> RentAsync(WorkerBackend backend, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var queue = _idle.GetOrAdd(backend.Name, _ => new ConcurrentQueue<WorkerProcess>());
        WorkerProcess? worker = null;
        while (queue.TryDequeue(out var candidate))
        {
            if (!candidate.HasExited)
            {
                worker = candidate;
                break;
            }

            await candidate.DisposeAsync().ConfigureAwait(false);
        }

        Refill(backend);
        return worker ?? await StartWorkerAsync(backend, cancellationToken).ConfigureAwait(false);
    }

    private Task<WorkerProcess> StartWorkerAsync(WorkerBackend backend, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _protectionsReported, 1) == 0 && _options.Launcher.Unavailable is { Count: > 0 } unavailable)
        {
            LogProtectionsUnavailable(_logger, string.Join(" ", unavailable));
        }

        return WorkerProcess.StartAsync(_options.Launcher, backend, _options.StartTimeout, cancellationToken);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Process isolation is weaker on this machine than it can be. {Unavailable}")]
    private static partial void LogProtectionsUnavailable(ILogger logger, string unavailable);

    private void Refill(WorkerBackend backend)
    {
        var queue = _idle.GetOrAdd(backend.Name, _ => new ConcurrentQueue<WorkerProcess>());
        while (!_disposed && queue.Count + _starting.GetValueOrDefault(backend.Name) < _options.Size)
        {
            _starting.AddOrUpdate(backend.Name, 1, (_, n) => n + 1);
            _ = Task.Run(async () =>
            {
                try
                {
                    var worker = await StartWorkerAsync(backend, CancellationToken.None).ConfigureAwait(false);
                    queue.Enqueue(worker);
                    if (_disposed)
                    {
                        await DrainAsync(queue).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // A worker that cannot start in the background is started again on demand, where the error surfaces.
                }
                finally
                {
                    _starting.AddOrUpdate(backend.Name, 0, (_, n) => n - 1);
                }
            });
        }
    }

    private async Task ReapIdleAsync()
    {
        var cutoff = DateTimeOffset.UtcNow - _options.IdleTime;
        foreach (var queue in _idle.Values)
        {
            for (var n = queue.Count; n > 0 && queue.TryPeek(out var oldest) && oldest.Started < cutoff; n--)
            {
                if (queue.TryDequeue(out var worker))
                {
                    await worker.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task DrainAsync(ConcurrentQueue<WorkerProcess> queue)
    {
        while (queue.TryDequeue(out var worker))
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops the waiting workers.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _reaper.DisposeAsync().ConfigureAwait(false);
        foreach (var queue in _idle.Values)
        {
            await DrainAsync(queue).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the waiting workers, waiting for them; prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
