namespace CodeActSdk.Sqlite.Tests;

public sealed class JournalTests : StoreTestBase
{
    [Test]
    public async Task Every_entry_kind_reads_back_as_it_was_appended()
    {
        JournalEntry[] entries = [.. Journal.Step(1, first: 1), .. Journal.Step(2, first: 4, AgentOutcome.FinalAnswer)];
        var store = await StoreWithSessionAsync("run-1", entries);

        var journal = await store.ReadAsync("run-1");

        journal.Entries.Select(Journal.Fingerprint).Should().Equal(entries.Select(Journal.Fingerprint));
        journal.Entries[0].ModelText.Should().Be(entries[0].ModelText);
        journal.Entries[1].ToolCall!.Name.Should().Be("ledger");
        journal.Entries[1].ToolCall!.Arguments.GetRawText().Should().Be("""{"day":1}""");
        journal.Entries[1].ToolCall!.Result!.Value.GetRawText().Should().Be("""[{"entry":1,"amount":12.5},{"entry":2,"amount":-3}]""");
        journal.Entries[2].Completed!.Executions.Should().ContainSingle().Which.Stdout.Should().Be("2\n");
        journal.Entries[5].Completed!.Outcome.Should().Be(AgentOutcome.FinalAnswer);
        journal.Entries[5].At.Should().Be(Journal.Start.AddSeconds(6));
        journal.Session.Should().BeEquivalentTo(new CheckpointSession("run-1", "Reconcile the March ledger", "JavaScript", Journal.Start, Journal.Start, 6, true, JournalCodec.FormatVersion));
    }

    [Test]
    public async Task A_new_store_on_the_same_file_reads_what_an_earlier_one_wrote()
    {
        var first = await StoreWithSessionAsync("run-1", Journal.Step(1, first: 1));
        first.Dispose();

        var journal = await OpenStore().ReadAsync("run-1");

        journal.Entries.Select(Journal.Fingerprint).Should().Equal(Journal.Step(1, first: 1).Select(Journal.Fingerprint));
    }

    [Test]
    public async Task The_file_is_created_with_its_schema_in_write_ahead_log_mode()
    {
        File.Exists(DatabasePath).Should().BeFalse();

        await StoreWithSessionAsync("run-1", Journal.ModelTurn(1));

        Journal.Query(DatabasePath, "PRAGMA journal_mode").Should().Be("wal");
        Journal.Query(DatabasePath, "PRAGMA user_version").Should().Be(1L);
        Journal.Query(DatabasePath, "SELECT count(*) FROM entries").Should().Be(1L);
    }

    [Test]
    public async Task An_entry_whose_sequence_is_taken_or_leaves_a_gap_is_a_conflict_and_changes_nothing()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.ModelTurn(1), Journal.ToolCall(2));

        var taken = await store.Invoking(s => s.AppendAsync("run-1", Journal.StepCompleted(2))).Should().ThrowAsync<CheckpointConflictException>();
        var gap = await store.Invoking(s => s.AppendAsync("run-1", Journal.StepCompleted(4))).Should().ThrowAsync<CheckpointConflictException>();

        taken.Which.Message.Should().Contain("Entry 2 of session 'run-1' is journaled already").And.Contain("another writer appended first");
        gap.Which.Message.Should().Contain("would leave a gap").And.Contain("the next entry is 3");
        var journal = await store.ReadAsync("run-1");
        journal.Entries.Select(Journal.Fingerprint).Should().Equal(Journal.Fingerprint(Journal.ModelTurn(1)), Journal.Fingerprint(Journal.ToolCall(2)));
        journal.Session.Entries.Should().Be(2);
    }

    [Test]
    public async Task Two_writers_racing_for_the_same_entry_one_wins_and_the_other_gets_a_conflict()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.ModelTurn(1));

        var attempts = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            try
            {
                await store.AppendAsync("run-1", Journal.ToolCall(2));
                return true;
            }
            catch (CheckpointConflictException)
            {
                return false;
            }
        })).ToArray();
        var won = await Task.WhenAll(attempts);

        won.Count(w => w).Should().Be(1);
        (await store.ReadAsync("run-1")).Entries.Should().HaveCount(2);
    }

    [Test]
    public async Task A_session_that_does_not_exist_is_reported_as_such()
    {
        var store = OpenStore();

        (await store.Invoking(s => s.AppendAsync("nobody", Journal.ModelTurn(1))).Should().ThrowAsync<CheckpointNotFoundException>())
            .Which.SessionId.Should().Be("nobody");
        await store.Invoking(s => s.ReadAsync("nobody")).Should().ThrowAsync<CheckpointNotFoundException>();
        await store.Invoking(s => s.AcquireLeaseAsync("nobody", "host-a", TimeSpan.FromSeconds(30))).Should().ThrowAsync<CheckpointNotFoundException>();
        (await store.DeleteAsync("nobody")).Should().BeFalse();
    }

    [Test]
    public async Task Creating_a_session_twice_is_a_conflict_and_keeps_the_first()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.Step(1, first: 1));

        var thrown = await store.Invoking(s => s.CreateAsync(Journal.Session("run-1") with { Task = "Something else" })).Should().ThrowAsync<CheckpointConflictException>();

        thrown.Which.Message.Should().Contain("'run-1' exists already").And.Contain(DatabasePath);
        var journal = await store.ReadAsync("run-1");
        journal.Session.Task.Should().Be("Reconcile the March ledger");
        journal.Entries.Should().HaveCount(3);
    }

    [Test]
    public async Task A_session_is_finished_once_a_completed_step_has_an_outcome()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.Step(1, first: 1));
        (await store.ReadAsync("run-1")).Session.Finished.Should().BeFalse();

        foreach (var entry in Journal.Step(2, first: 4, AgentOutcome.MaxStepsReached))
        {
            await store.AppendAsync("run-1", entry);
        }

        (await store.ReadAsync("run-1")).Session.Finished.Should().BeTrue();
        (await store.ListAsync()).Should().ContainSingle().Which.Should().Match<CheckpointSession>(s => s.Finished && s.Entries == 6);
    }

    [Test]
    public async Task Sessions_are_listed_most_recently_updated_first()
    {
        var store = OpenStore();
        await store.CreateAsync(Journal.Session("a"));
        await store.CreateAsync(Journal.Session("b", created: Journal.Start.AddMinutes(1)));
        await store.CreateAsync(Journal.Session("c", created: Journal.Start.AddMinutes(2)));
        Clock.Advance(TimeSpan.FromMinutes(10));
        await store.AppendAsync("a", Journal.ModelTurn(1));

        var sessions = await store.ListAsync();

        sessions.Select(s => s.Id).Should().Equal("a", "c", "b");
        sessions[0].Updated.Should().Be(Journal.Start.AddMinutes(10));
        sessions[0].Entries.Should().Be(1);
    }

    [Test]
    public async Task Deleting_a_session_removes_its_journal_and_nothing_else()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.Step(1, first: 1));
        await store.CreateAsync(Journal.Session("run-2"));
        await store.AppendAsync("run-2", Journal.ModelTurn(1));

        (await store.DeleteAsync("run-1")).Should().BeTrue();

        await store.Invoking(s => s.ReadAsync("run-1")).Should().ThrowAsync<CheckpointNotFoundException>();
        (await store.DeleteAsync("run-1")).Should().BeFalse();
        (await store.ReadAsync("run-2")).Entries.Should().ContainSingle();
        Journal.Tamper(DatabasePath, "DELETE FROM entries WHERE session_id = 'run-2'").Should().Be(1, "only run-2's entry is left");

        // The id is free again.
        await store.CreateAsync(Journal.Session("run-1"));
        (await store.ReadAsync("run-1")).Entries.Should().BeEmpty();
    }

    [Test]
    public async Task Retention_deletes_old_sessions_except_those_being_run()
    {
        var store = OpenStore();
        await store.CreateAsync(Journal.Session("old"));
        await store.AppendAsync("old", Journal.ModelTurn(1));
        await store.CreateAsync(Journal.Session("old-running"));
        await using var lease = await store.AcquireLeaseAsync("old-running", "host-a", TimeSpan.FromDays(30));
        Clock.Advance(TimeSpan.FromDays(10));
        await store.CreateAsync(Journal.Session("recent", created: Clock.GetUtcNow()));

        var deleted = await store.DeleteOlderThanAsync(Clock.GetUtcNow().AddDays(-7));

        deleted.Should().Be(1);
        (await store.ListAsync()).Select(s => s.Id).Should().BeEquivalentTo("recent", "old-running");
        Journal.Tamper(DatabasePath, "DELETE FROM entries WHERE session_id = 'old'").Should().Be(0, "the old session's entries went with it");
    }

    [Test]
    public async Task A_cancelled_call_throws_and_writes_nothing()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.ModelTurn(1));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await store.Invoking(s => s.AppendAsync("run-1", Journal.ToolCall(2), cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();
        await store.Invoking(s => s.CreateAsync(Journal.Session("run-2"), cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();
        await store.Invoking(s => s.ReadAsync("run-1", cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();
        await store.Invoking(s => s.AcquireLeaseAsync("run-1", "host-a", TimeSpan.FromSeconds(30), cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();

        (await store.ReadAsync("run-1")).Entries.Should().ContainSingle();
        (await store.ListAsync()).Should().ContainSingle();
    }

    [Test]
    public async Task Invalid_session_ids_and_entries_are_refused_before_anything_is_written()
    {
        var store = await StoreWithSessionAsync("run-1");

        await store.Invoking(s => s.CreateAsync(Journal.Session("../etc"))).Should().ThrowAsync<ArgumentException>().WithMessage("*'../etc' is not valid*");
        await store.Invoking(s => s.AppendAsync("run-1", Journal.ModelTurn(1) with { ModelText = null })).Should().ThrowAsync<ArgumentException>();

        (await store.ReadAsync("run-1")).Entries.Should().BeEmpty();
    }
}
