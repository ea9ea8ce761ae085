using System.Diagnostics;
using System.Text;
using CodeActSdk.Durability.CrashHost;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Durability.Tests;

/// <summary>How a child process of the crash host ended.</summary>
/// <param name="ExitCode">Its exit code (137 when it was killed).</param>
/// <param name="Stdout">What it printed on standard output.</param>
/// <param name="Stderr">What it printed on standard error.</param>
/// <param name="Killed">Whether the test killed it, rather than it exiting by itself.</param>
internal sealed record HostExit(int ExitCode, string Stdout, string Stderr, bool Killed)
{
    public override string ToString() => $"exit {ExitCode}{(Killed ? " (killed)" : "")}; stdout: {Stdout.Trim()}; stderr: {Stderr.Trim()}";
}

/// <summary>
/// One run of <c>dotnet CodeActSdk.Durability.CrashHost.dll run|resume STORE SESSION EFFECTS</c>, the dll that the
/// project reference copies next to the tests.
/// </summary>
internal sealed class CrashHostProcess : IDisposable
{
    // A safety net so that a hung child fails its case instead of the whole run; not a timing assertion.
    private static readonly TimeSpan Hung = TimeSpan.FromMinutes(1);

    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private bool _killed;

    private CrashHostProcess(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Whether the process has exited (by itself or killed).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts the host in <paramref name="mode"/> (<c>run</c> or <c>resume</c>).</summary>
    public static CrashHostProcess Start(string mode, string storePath, string sessionId, string effectsLog)
    {
        var start = new ProcessStartInfo(TestEnvironment.DotnetHost())
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in new[] { typeof(CrashScript).Assembly.Location, mode, storePath, sessionId, effectsLog })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the crash host.");
        process.StandardInput.Close();
        return new CrashHostProcess(process);
    }

    /// <summary>Runs the host to its end.</summary>
    public static async Task<HostExit> RunAsync(string mode, string storePath, string sessionId, string effectsLog)
    {
        using var host = Start(mode, storePath, sessionId, effectsLog);
        return await host.WaitAsync();
    }

    /// <summary>Sends SIGKILL to the process (and any child of it), unless it has exited already.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _killed = true;
        }
        catch (InvalidOperationException) when (_process.HasExited)
        {
            // It exited by itself between the last check and the kill: the run was not interrupted.
        }
    }

    /// <summary>Waits for the process to exit; kills it and fails the test when it hangs.</summary>
    public async Task<HostExit> WaitAsync()
    {
        using var guard = new CancellationTokenSource(Hung);
        try
        {
            await _process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"The crash host did not exit within {Hung.TotalSeconds:0} s.");
        }

        return new HostExit(_process.ExitCode, await _stdout, await _stderr, _killed);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
