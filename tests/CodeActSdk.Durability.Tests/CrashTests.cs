using System.Diagnostics;
using System.Globalization;
using CodeActSdk.Durability.CrashHost;
using CodeActSdk.Sqlite;

namespace CodeActSdk.Durability.Tests;

/// <summary>
/// A durable session in a child process is killed with SIGKILL at many points, then resumed in a new process: it must
/// reach the same final answer, no journaled tool call may run twice, and the journal must always read back intact.
/// </summary>
[NonParallelizable]
public sealed class CrashTests
{
    /// <summary>Kill cases run side by side, each with its own folder, database and effects log.</summary>
    private const int CasesAtOnce = 2;

    /// <summary>The figure the issue asks the suite to cover.</summary>
    private const int RequiredKills = 50;

    private Reference _reference = null!;

    /// <summary>Where a kill is aimed; what it actually hit is measured after it.</summary>
    /// <param name="Name">How the summary names it.</param>
    /// <param name="JournalLength">Kill once the journal holds this many entries.</param>
    /// <param name="EffectLine">Kill once the effects log has this many lines: a tool call made its effect, and may not be journaled yet.</param>
    /// <param name="Delay">How long to wait after the condition before killing, to land later in the same call.</param>
    private sealed record KillTarget(string Name, long? JournalLength = null, int? EffectLine = null, TimeSpan Delay = default);

    /// <summary>What one kill case found.</summary>
    /// <param name="Target">Where the kill was aimed.</param>
    /// <param name="Killed">Whether the run was killed (false when it finished before the target was seen).</param>
    /// <param name="JournalLength">How many entries the journal held after the kill.</param>
    /// <param name="InsideToolCall">Whether the kill left a tool call's effect that its journal entry does not record.</param>
    /// <param name="Elapsed">The case's time: the run up to the kill, the checks and the resume.</param>
    /// <param name="Failure">What went wrong, or null.</param>
    private sealed record KillRun(KillTarget Target, bool Killed, long JournalLength, bool InsideToolCall, TimeSpan Elapsed, string? Failure);

    /// <summary>The session run once without a kill.</summary>
    private sealed record Reference(HostExit Exit, CheckpointJournal Journal, IReadOnlyList<string> Effects)
    {
        public string Answer => Exit.Stdout.Trim();
    }

    [OneTimeSetUp]
    public async Task RunTheSessionOnceWithoutKills()
    {
        var folder = Directory.CreateTempSubdirectory("codeact-crash-reference-").FullName;
        try
        {
            var (store, effects) = (Path.Combine(folder, "journal.db"), Path.Combine(folder, "effects.log"));
            var exit = await CrashHostProcess.RunAsync("run", store, "reference", effects);
            using var reader = new SqliteCheckpointStore(store);
            var journal = exit.ExitCode == 0 ? await reader.ReadAsync("reference") : new CheckpointJournal(new CheckpointSession("reference", "", "", default, default), []);
            _reference = new Reference(exit, journal, EffectsLog.Read(effects));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public void A_run_without_kills_gives_the_expected_answer_and_records_each_item_once()
    {
        _reference.Exit.ExitCode.Should().Be(0, "the reference run must succeed: {0}", _reference.Exit);
        _reference.Answer.Should().Be(CrashScript.ExpectedAnswer);
        _reference.Effects.Should().Equal(CrashScript.Items);
        _reference.Journal.Session.Finished.Should().BeTrue();
        _reference.Journal.Entries.Should().HaveCount(
            (2 * CrashScript.Turns.Count) + CrashScript.Items.Count,
            "each step journals its model turn, each tool call and its completion");
        TestContext.Progress.WriteLine($"crash test reference: {_reference.Journal.Entries.Count} journal entries, {CrashScript.Items.Count} tool calls, {CrashScript.Turns.Count} steps");
    }

    [Test]
    public async Task A_session_killed_at_any_point_resumes_to_the_same_answer_without_running_a_journaled_call_twice()
    {
        _reference.Exit.ExitCode.Should().Be(0, "the reference run must succeed: {0}", _reference.Exit);
        var length = _reference.Journal.Entries.Count;

        // Every journal length a run passes through; every tool call just after its effect (before it returns and is
        // journaled); and every fourth call once more, a tool delay later, around the append of its journal entry.
        var targets = new List<KillTarget>();
        for (var entries = 1; entries < length; entries++)
        {
            targets.Add(new KillTarget(string.Create(CultureInfo.InvariantCulture, $"journal length {entries}"), JournalLength: entries));
        }

        for (var line = 1; line <= CrashScript.Items.Count; line++)
        {
            targets.Add(new KillTarget(string.Create(CultureInfo.InvariantCulture, $"effect {line}"), EffectLine: line));
            if (line % 4 == 2)
            {
                targets.Add(new KillTarget(string.Create(CultureInfo.InvariantCulture, $"effect {line} + {CrashScript.AfterEffect.TotalMilliseconds:0} ms"), EffectLine: line, Delay: CrashScript.AfterEffect));
            }
        }

        var runs = new KillRun[targets.Count];
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, targets.Count),
            new ParallelOptions { MaxDegreeOfParallelism = CasesAtOnce },
            async (index, _) => runs[index] = await KillAndResumeAsync(index, targets[index]));
        var total = Stopwatch.GetElapsedTime(started);

        var killed = runs.Where(r => r.Killed).ToList();
        var lengths = killed.Select(r => r.JournalLength).Distinct().Order().ToList();
        var points = killed.Select(r => (r.JournalLength, r.InsideToolCall)).Distinct().Count();
        var times = runs.Select(r => r.Elapsed.TotalMilliseconds).Order().ToList();
        var median = times.Count % 2 == 1 ? times[times.Count / 2] : (times[(times.Count / 2) - 1] + times[times.Count / 2]) / 2;
        var summary = string.Create(
            CultureInfo.InvariantCulture,
            $"crash test: {killed.Count} kills of {runs.Length} runs at {points} distinct kill points (journal length, inside a tool call or not), {lengths.Count} distinct journal lengths at kill (of 1..{length}: {string.Join(",", lengths)}), {killed.Count(r => r.InsideToolCall)} inside a tool call, total {total.TotalSeconds:0.0} s, median {median:0} ms per kill+resume");
        TestContext.Progress.WriteLine(summary);
        TestContext.Out.WriteLine(summary);

        runs.Where(r => r.Failure is not null).Select(r => $"{r.Target.Name}: {r.Failure}").Should().BeEmpty();
        killed.Should().HaveCountGreaterThanOrEqualTo(RequiredKills, "the suite must cover at least {0} kill points", RequiredKills);
        killed.Should().Contain(r => r.InsideToolCall, "some kills must land between a tool's effect and its journal entry");
    }

    private async Task<KillRun> KillAndResumeAsync(int index, KillTarget target)
    {
        var started = Stopwatch.GetTimestamp();
        var folder = Directory.CreateTempSubdirectory("codeact-crash-").FullName;
        var (store, effects) = (Path.Combine(folder, "journal.db"), Path.Combine(folder, "effects.log"));
        var session = string.Create(CultureInfo.InvariantCulture, $"crash-{index:000}");
        var killed = false;
        long lengthAtKill = 0;
        var inside = false;
        try
        {
            // The schema is made first, so that the probe can read the file from the child's first write on.
            using (var creator = new SqliteCheckpointStore(store))
            {
                await creator.ListAsync();
            }

            HostExit run;
            using (var probe = new JournalProbe(store, session))
            using (var host = CrashHostProcess.Start("run", store, session, effects))
            {
                while (!host.HasExited)
                {
                    if (target.JournalLength is { } entries ? probe.Entries() >= entries : EffectsLog.Read(effects).Count >= target.EffectLine)
                    {
                        if (target.Delay > TimeSpan.Zero)
                        {
                            Thread.Sleep(target.Delay);
                        }

                        host.Kill();
                        break;
                    }

                    Thread.Sleep(1);
                }

                run = await host.WaitAsync();
            }

            if (!run.Killed)
            {
                // It finished before the target was seen: nothing to resume, but it must have finished well.
                run.ExitCode.Should().Be(0, "a run that was not killed must succeed: {0}", run);
                run.Stdout.Trim().Should().Be(_reference.Answer);
                return new KillRun(target, false, _reference.Journal.Entries.Count, false, Stopwatch.GetElapsedTime(started), null);
            }

            killed = true;

            // The journal as the kill left it: it reads back, checksums and sequence intact, as a prefix of the reference.
            CheckpointJournal atKill;
            using (var reader = new SqliteCheckpointStore(store))
            {
                atKill = await reader.ReadAsync(session);
            }

            lengthAtKill = atKill.Entries.Count;
            atKill.Entries.Select(Describe).Should().Equal(_reference.Journal.Entries.Take(atKill.Entries.Count).Select(Describe), "what a killed run journaled is what an uninterrupted run journals");
            var journaledCalls = atKill.Entries.Where(e => e.Kind == JournalEntryKind.ToolCall).Select(Item).ToList();
            var effectsAtKill = EffectsLog.Read(effects);
            effectsAtKill.Take(journaledCalls.Count).Should().Equal(journaledCalls, "a call is journaled only after its effect");
            effectsAtKill.Count.Should().BeInRange(journaledCalls.Count, journaledCalls.Count + 1, "calls run one at a time, so at most one effect is not journaled");
            inside = effectsAtKill.Count > journaledCalls.Count;

            var resumed = await CrashHostProcess.RunAsync("resume", store, session, effects);
            resumed.ExitCode.Should().Be(0, "the resume must succeed: {0}", resumed);
            resumed.Stdout.Trim().Should().Be(_reference.Answer);

            // No journaled call ran again; the calls the journal did not hold ran (once more, for one whose effect
            // happened before the kill: a call is journaled after it returns, so it runs at least once, not exactly once).
            var effectsAfter = EffectsLog.Read(effects);
            foreach (var item in journaledCalls)
            {
                effectsAfter.Count(e => e == item).Should().Be(1, "'{0}' was journaled before the kill, so the resume must not call the tool for it again", item);
            }

            effectsAfter.Should().Equal(effectsAtKill.Concat(CrashScript.Items.Skip(journaledCalls.Count)));

            using (var reader = new SqliteCheckpointStore(store))
            {
                var final = await reader.ReadAsync(session);
                final.Session.Finished.Should().BeTrue();
                final.Entries.Select(Describe).Should().Equal(_reference.Journal.Entries.Select(Describe), "the resumed journal is the one an uninterrupted run writes");
            }

            return new KillRun(target, true, lengthAtKill, inside, Stopwatch.GetElapsedTime(started), null);
        }
        catch (Exception e)
        {
            var where = killed ? $"killed at journal length {lengthAtKill}{(inside ? " inside a tool call" : "")}" : "before the kill";
            return new KillRun(target, killed, lengthAtKill, inside, Stopwatch.GetElapsedTime(started), $"{where}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder left behind does not change the result.
            }
        }
    }

    /// <summary>An entry in the terms two runs of the script must agree on (not its time).</summary>
    private static string Describe(JournalEntry entry) => entry.Kind switch
    {
        JournalEntryKind.ModelTurn => $"{entry.Sequence} step {entry.Step} turn: {entry.ModelText}",
        JournalEntryKind.ToolCall => $"{entry.Sequence} step {entry.Step} call {entry.ToolCall!.Name}({entry.ToolCall.Arguments.GetRawText()}) = {entry.ToolCall.Result?.GetRawText()} {entry.ToolCall.Error}",
        _ => $"{entry.Sequence} step {entry.Step} done: {entry.Completed!.Outcome} {entry.Completed.FinalAnswer?.GetRawText()} {entry.Completed.Observation}",
    };

    private static string Item(JournalEntry toolCall) => toolCall.ToolCall!.Arguments.GetProperty("item").GetString()!;
}
