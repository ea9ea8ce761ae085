using System.Diagnostics;
using System.Text;
using CodeActSdk.Postgres.LeaseHost;
using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Postgres.Tests;

/// <summary>Leases between separate processes, as between the hosts of a fleet: each runs CodeActSdk.Postgres.LeaseHost.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class FleetLeaseTests
{
    [Test]
    public async Task Of_two_processes_asking_at_once_exactly_one_runs_the_session_and_a_third_takes_over_after_it_lets_go()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = Journal.NewId("fleet");
        await store.CreateAsync(Journal.Session(id));

        await using var first = LeaseHostProcess.Start(schema.ConnectionString, id);
        await using var second = LeaseHostProcess.Start(schema.ConnectionString, id);
        var answers = await Task.WhenAll(first.ReadLineAsync(), second.ReadLineAsync());

        answers.Count(a => a == "acquired").Should().Be(1, "exactly one process gets the lease; they answered {0}", string.Join(" / ", answers));
        var (winner, loser, refusal) = answers[0] == "acquired" ? (first, second, answers[1]) : (second, first, answers[0]);
        refusal.Should().StartWith("refused: ").And.Contain($"being run by {winner.Holder}");
        (await loser.WaitForExitAsync()).Should().Be(LeaseHostProgram.RefusedExitCode, loser.Output);

        await using (var third = LeaseHostProcess.Start(schema.ConnectionString, id))
        {
            (await third.ReadLineAsync()).Should().StartWith("refused: ").And.Contain(winner.Holder);
        }

        await winner.SendLineAsync();
        (await winner.ReadLineAsync()).Should().Be("released");
        (await winner.WaitForExitAsync()).Should().Be(0, winner.Output);

        await using var fourth = LeaseHostProcess.Start(schema.ConnectionString, id);
        (await fourth.ReadLineAsync()).Should().Be("acquired");
        var holder = await schema.ScalarAsync<string>($"SELECT lease_holder FROM codeact_sessions WHERE id = '{id}'");
        holder.Should().Be(fourth.Holder);
        await fourth.SendLineAsync();
        (await fourth.WaitForExitAsync()).Should().Be(0, fourth.Output);
    }
}

/// <summary>One CodeActSdk.Postgres.LeaseHost child process: <c>dotnet CodeActSdk.Postgres.LeaseHost.dll CONNECTION-STRING SESSION-ID</c>.</summary>
internal sealed class LeaseHostProcess : IAsyncDisposable
{
    // A safety net so that a hung child fails the test instead of the whole run; not a timing assertion.
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();

    private LeaseHostProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            lock (_stderr)
            {
                _stderr.AppendLine(e.Data);
            }
        };
        _process.BeginErrorReadLine();
    }

    /// <summary>The holder name the process uses, as LeaseHost builds it.</summary>
    public string Holder => $"{Environment.MachineName}:{_process.Id}";

    /// <summary>What the process printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_stderr)
            {
                return $"stdout:\n{_stdout}\nstderr:\n{_stderr}";
            }
        }
    }

    public static LeaseHostProcess Start(string connectionString, string sessionId)
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
        start.ArgumentList.Add(typeof(LeaseHostProgram).Assembly.Location);
        start.ArgumentList.Add(connectionString);
        start.ArgumentList.Add(sessionId);
        return new LeaseHostProcess(Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet."));
    }

    public async Task<string> ReadLineAsync()
    {
        using var guard = new CancellationTokenSource(Patience);
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The lease host printed nothing within a minute.\n{Output}");
            throw;
        }

        _stdout.AppendLine(line);
        return line ?? $"(end of output; {Output})";
    }

    public async Task SendLineAsync()
    {
        await _process.StandardInput.WriteLineAsync();
        await _process.StandardInput.FlushAsync();
    }

    public async Task<int> WaitForExitAsync()
    {
        using var guard = new CancellationTokenSource(Patience);
        try
        {
            await _process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"The lease host did not exit within a minute.\n{Output}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close(); // the end of its input releases the lease
            using var guard = new CancellationTokenSource(Patience);
            try
            {
                await _process.WaitForExitAsync(guard.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
