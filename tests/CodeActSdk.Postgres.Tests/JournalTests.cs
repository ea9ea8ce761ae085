namespace CodeActSdk.Postgres.Tests;

[Parallelizable(ParallelScope.All)]
public sealed class JournalTests
{
    [Test]
    public async Task Every_kind_of_entry_reads_back_as_it_was_appended()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = Journal.NewId();
        await store.CreateAsync(Journal.Session(id, "Sum the ledger: ünïcödé, 'quotes', \"double\", ✓"));
        JournalEntry[] entries =
        [
            Journal.ModelTurn(1, 1),
            Journal.ToolCall(2, 1),
            Journal.FailedToolCall(3, 1),
            Journal.StepCompleted(4, 1),
            Journal.ModelTurn(5, 2, "") with { At = default },
            Journal.StepCompleted(6, 2, AgentOutcome.FinalAnswer),
        ];
        foreach (var entry in entries)
        {
            await store.AppendAsync(id, entry);
        }

        var journal = await store.ReadAsync(id);

        journal.Session.Id.Should().Be(id);
        journal.Session.Task.Should().Be("Sum the ledger: ünïcödé, 'quotes', \"double\", ✓");
        journal.Session.Language.Should().Be("JavaScript");
        journal.Session.Created.Should().BeCloseTo(Journal.Moment, TimeSpan.FromMicroseconds(1));
        journal.Session.Entries.Should().Be(6);
        journal.Session.FormatVersion.Should().Be(JournalCodec.FormatVersion);
        journal.Entries.Select(Journal.Content).Should().Equal(entries.Select(Journal.Content));
        for (var i = 0; i < entries.Length; i++)
        {
            // PostgreSQL keeps microseconds: the instant survives, rounded to one.
            journal.Entries[i].At.Should().BeCloseTo(entries[i].At, TimeSpan.FromMicroseconds(1));
        }

        journal.Entries[2].ToolCall!.Result.Should().BeNull();
        journal.Entries[2].ToolCall!.ArgumentError.Should().BeTrue();
        journal.Entries[5].Completed!.FinalAnswer!.Value.GetProperty("total").GetInt32().Should().Be(3);
    }

    [Test]
    public async Task A_new_session_reads_back_empty_with_the_database_clock_as_its_update_time()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = Journal.NewId();
        await store.CreateAsync(Journal.Session(id) with { Entries = 7, Finished = true });

        var journal = await store.ReadAsync(id);

        journal.Entries.Should().BeEmpty();
        journal.Session.Entries.Should().Be(0);
        journal.Session.Finished.Should().BeFalse();
        var databaseNow = await schema.ScalarAsync<DateTime>("SELECT now()");
        journal.Session.Updated.Should().BeCloseTo(new DateTimeOffset(databaseNow), TimeSpan.FromMinutes(1));
    }

    [Test]
    public async Task An_entry_out_of_sequence_is_a_conflict_and_changes_nothing()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = Journal.NewId();
        await store.CreateAsync(Journal.Session(id));
        await store.AppendAsync(id, Journal.ModelTurn(1, 1));
        await store.AppendAsync(id, Journal.ToolCall(2, 1));

        var again = () => store.AppendAsync(id, Journal.ModelTurn(2, 1, "a second writer's turn"));
        var gap = () => store.AppendAsync(id, Journal.ModelTurn(4, 2));

        (await again.Should().ThrowAsync<CheckpointConflictException>()).Which.Message.Should().Contain($"Entry 2 of session '{id}' is written already");
        (await gap.Should().ThrowAsync<CheckpointConflictException>()).Which.Message.Should().Contain("the next one is 3");
        var journal = await store.ReadAsync(id);
        journal.Entries.Select(e => e.Kind).Should().Equal(JournalEntryKind.ModelTurn, JournalEntryKind.ToolCall);
        await store.AppendAsync(id, Journal.StepCompleted(3, 1));
        (await store.ReadAsync(id)).Session.Entries.Should().Be(3);
    }

    [Test]
    public async Task A_missing_session_is_reported_as_missing()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = Journal.NewId("missing");

        (await store.Awaiting(s => s.ReadAsync(id)).Should().ThrowAsync<CheckpointNotFoundException>()).Which.SessionId.Should().Be(id);
        await store.Awaiting(s => s.AppendAsync(id, Journal.ModelTurn(1, 1))).Should().ThrowAsync<CheckpointNotFoundException>();
        await store.Awaiting(s => s.AcquireLeaseAsync(id, "host-a:1", TimeSpan.FromSeconds(30))).Should().ThrowAsync<CheckpointNotFoundException>();
        (await store.DeleteAsync(id)).Should().BeFalse();
    }

    [Test]
    public async Task Creating_a_session_twice_is_a_conflict_that_keeps_the_first()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var first = schema.NewStore();
        var second = schema.NewStore();
        var id = Journal.NewId();
        await first.CreateAsync(Journal.Session(id, "the first task"));
        await first.AppendAsync(id, Journal.ModelTurn(1, 1));

        var create = () => second.CreateAsync(Journal.Session(id, "the second task"));

        (await create.Should().ThrowAsync<CheckpointConflictException>()).Which.Message.Should().Contain($"'{id}' exists already");
        var journal = await second.ReadAsync(id);
        journal.Session.Task.Should().Be("the first task");
        journal.Entries.Should().HaveCount(1);
    }

    [Test]
    public async Task Invalid_arguments_are_refused_before_anything_is_written()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = Journal.NewId();
        await store.CreateAsync(Journal.Session(id));

        await store.Awaiting(s => s.CreateAsync(Journal.Session("no spaces allowed"))).Should().ThrowAsync<ArgumentException>();
        await store.Awaiting(s => s.CreateAsync(Journal.Session(Journal.NewId()) with { FormatVersion = 2 })).Should().ThrowAsync<ArgumentException>();
        await store.Awaiting(s => s.AppendAsync(id, Journal.ModelTurn(1, 1) with { ModelText = null })).Should().ThrowAsync<ArgumentException>();
        await store.Awaiting(s => s.AppendAsync(id, Journal.ModelTurn(0, 1))).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await store.Awaiting(s => s.AcquireLeaseAsync(id, " ", TimeSpan.FromSeconds(1))).Should().ThrowAsync<ArgumentException>();
        await store.Awaiting(s => s.AcquireLeaseAsync(id, "host-a:1", TimeSpan.Zero)).Should().ThrowAsync<ArgumentOutOfRangeException>();
        (await store.ReadAsync(id)).Entries.Should().BeEmpty();
    }

    [Test]
    public async Task The_last_completed_step_says_whether_the_run_finished()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = Journal.NewId();
        await store.CreateAsync(Journal.Session(id));
        async Task<bool> Finished() => (await store.ListAsync()).Single(s => s.Id == id).Finished;

        await store.AppendAsync(id, Journal.ModelTurn(1, 1));
        await store.AppendAsync(id, Journal.StepCompleted(2, 1));
        var afterAStepThatWentOn = await Finished();
        await store.AppendAsync(id, Journal.ModelTurn(3, 2));
        await store.AppendAsync(id, Journal.StepCompleted(4, 2, AgentOutcome.MaxStepsReached));
        var afterTheLastStep = await Finished();

        afterAStepThatWentOn.Should().BeFalse();
        afterTheLastStep.Should().BeTrue();
        (await store.ReadAsync(id)).Session.Finished.Should().BeTrue();
    }

    [Test]
    public async Task Sessions_are_listed_most_recently_updated_first()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var (a, b, c) = (Journal.NewId("a"), Journal.NewId("b"), Journal.NewId("c"));
        await store.CreateAsync(Journal.Session(a));
        await store.CreateAsync(Journal.Session(b));
        await store.CreateAsync(Journal.Session(c));
        await store.AppendAsync(a, Journal.ModelTurn(1, 1));
        await store.AppendAsync(b, Journal.ModelTurn(1, 1));
        await store.AppendAsync(b, Journal.ToolCall(2, 1));

        var sessions = await store.ListAsync();

        sessions.Select(s => s.Id).Should().Equal(b, a, c);
        sessions.Select(s => s.Entries).Should().Equal(2, 1, 0);
        sessions.Should().BeInDescendingOrder(s => s.Updated);
    }

    [Test]
    public async Task Deleting_a_session_removes_its_journal()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var (kept, deleted) = (Journal.NewId("kept"), Journal.NewId("deleted"));
        await store.CreateAsync(Journal.Session(kept));
        await store.CreateAsync(Journal.Session(deleted));
        await store.AppendAsync(kept, Journal.ModelTurn(1, 1));
        await store.AppendAsync(deleted, Journal.ModelTurn(1, 1));
        await store.AppendAsync(deleted, Journal.ToolCall(2, 1));

        (await store.DeleteAsync(deleted)).Should().BeTrue();
        (await store.DeleteAsync(deleted)).Should().BeFalse();

        await store.Awaiting(s => s.ReadAsync(deleted)).Should().ThrowAsync<CheckpointNotFoundException>();
        (await store.ListAsync()).Select(s => s.Id).Should().Equal(kept);
        (await schema.ScalarAsync<long>($"SELECT count(*) FROM codeact_entries WHERE session_id = '{deleted}'")).Should().Be(0);
        (await store.ReadAsync(kept)).Entries.Should().HaveCount(1);
    }

    [Test]
    public async Task Retention_deletes_the_sessions_not_updated_since_the_cutoff()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var (old1, old2, recent) = (Journal.NewId("old"), Journal.NewId("old"), Journal.NewId("recent"));
        foreach (var id in new[] { old1, old2, recent })
        {
            await store.CreateAsync(Journal.Session(id));
            await store.AppendAsync(id, Journal.ModelTurn(1, 1));
        }

        await schema.ExecuteAsync($"UPDATE codeact_sessions SET updated = now() - interval '40 days' WHERE id IN ('{old1}', '{old2}')");

        var deleted = await store.DeleteOlderThanAsync(DateTimeOffset.UtcNow.AddDays(-30));

        deleted.Should().Be(2);
        (await store.ListAsync()).Select(s => s.Id).Should().Equal(recent);
        (await schema.ScalarAsync<long>("SELECT count(*) FROM codeact_entries")).Should().Be(1);
        (await store.DeleteOlderThanAsync(DateTimeOffset.UtcNow.AddDays(-30))).Should().Be(0);
    }

    [Test]
    public async Task Eight_writers_racing_for_each_entry_leave_exactly_one_winner_each_time()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var stores = Enumerable.Range(0, 8).Select(_ => schema.NewStore()).ToArray();
        var id = Journal.NewId();
        await stores[0].CreateAsync(Journal.Session(id));

        for (var sequence = 1L; sequence <= 20; sequence++)
        {
            var attempts = stores.Select((store, writer) => Outcome(store.AppendAsync(id, Journal.ModelTurn(sequence, 1, $"writer {writer}")))).ToArray();
            var outcomes = await Task.WhenAll(attempts);
            outcomes.Count(o => o is null).Should().Be(1, "exactly one writer gets entry {0}", sequence);
            outcomes.Where(o => o is not null).Should().AllBeOfType<CheckpointConflictException>();
        }

        var journal = await stores[7].ReadAsync(id);
        journal.Entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, 20).Select(i => (long)i));
    }

    [Test]
    public async Task Eight_concurrent_writers_that_retry_on_conflict_lose_and_duplicate_nothing()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var id = Journal.NewId();
        var stores = Enumerable.Range(0, 8).Select(_ => schema.NewStore()).ToArray();
        await stores[0].CreateAsync(Journal.Session(id));
        const int Total = 160;
        var written = new int[stores.Length];

        await Task.WhenAll(stores.Select((store, writer) => Task.Run(async () =>
        {
            var next = 1L;
            while (next <= Total)
            {
                try
                {
                    await store.AppendAsync(id, Journal.ModelTurn(next, (int)next, $"writer {writer}"));
                    written[writer]++;
                    next++;
                }
                catch (CheckpointConflictException)
                {
                    // Another host got there first: catch up as a resuming host would, from the session's count.
                    next = (await store.ListAsync()).Single(s => s.Id == id).Entries + 1;
                }
            }
        })));

        var journal = await stores[0].ReadAsync(id);
        journal.Entries.Should().HaveCount(Total);
        journal.Entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, Total).Select(i => (long)i));
        written.Sum().Should().Be(Total);
        journal.Entries.GroupBy(e => e.ModelText).Select(g => g.Count()).Sum().Should().Be(Total);
    }

    [Test]
    public async Task Hosts_that_start_together_on_an_empty_database_all_create_the_tables_without_a_race()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var stores = Enumerable.Range(0, 8).Select(_ => schema.NewStore()).ToArray();

        var lists = await Task.WhenAll(stores.Select(s => Task.Run(() => s.ListAsync())));

        lists.Should().AllSatisfy(l => l.Should().BeEmpty());
        (await schema.ScalarAsync<long>($"SELECT count(*) FROM pg_tables WHERE schemaname = '{schema.Name}'")).Should().Be(2);
    }

    [Test]
    public async Task A_cancelled_call_stops_waiting_and_leaves_the_journal_as_it_was()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = Journal.NewId();
        await store.CreateAsync(Journal.Session(id));
        await store.AppendAsync(id, Journal.ModelTurn(1, 1));

        // Another host holds the session's row, so the append waits for it until the token gives up.
        await using (var other = new Npgsql.NpgsqlConnection(schema.ConnectionString))
        {
            await other.OpenAsync();
            await using var transaction = await other.BeginTransactionAsync();
            await using (var lockRow = new Npgsql.NpgsqlCommand($"SELECT 1 FROM codeact_sessions WHERE id = '{id}' FOR UPDATE", other, transaction))
            {
                await lockRow.ExecuteNonQueryAsync();
            }

            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            await store.Awaiting(s => s.AppendAsync(id, Journal.ToolCall(2, 1), cancel.Token)).Should().ThrowAsync<OperationCanceledException>();
            await transaction.RollbackAsync();
        }

        await store.Awaiting(s => s.ReadAsync(id, new CancellationToken(canceled: true))).Should().ThrowAsync<OperationCanceledException>();
        (await store.ReadAsync(id)).Entries.Should().HaveCount(1);
        await store.AppendAsync(id, Journal.ToolCall(2, 1));
        (await store.ReadAsync(id)).Entries.Should().HaveCount(2);
    }

    private static async Task<Exception?> Outcome(Task append)
    {
        try
        {
            await append;
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
