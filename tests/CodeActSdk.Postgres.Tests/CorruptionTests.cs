namespace CodeActSdk.Postgres.Tests;

/// <summary>Damage done behind the store's back (an operator's UPDATE, a lost row) is found when the journal is read.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class CorruptionTests
{
    [Test]
    public async Task A_tampered_payload_is_reported_as_corrupt()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (store, id) = await JournalOfFourAsync(schema);

        await schema.ExecuteAsync($"UPDATE codeact_entries SET payload = replace(payload, '\"add\"', '\"delete_everything\"') WHERE session_id = '{id}' AND seq = 2");

        var read = () => store.ReadAsync(id);
        (await read.Should().ThrowAsync<CheckpointCorruptException>()).Which.Message.Should().Contain($"Entry 2 of session '{id}' is damaged");
    }

    [Test]
    public async Task A_tampered_step_number_is_reported_as_corrupt()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (store, id) = await JournalOfFourAsync(schema);

        await schema.ExecuteAsync($"UPDATE codeact_entries SET step = 9 WHERE session_id = '{id}' AND seq = 3");

        await store.Awaiting(s => s.ReadAsync(id)).Should().ThrowAsync<CheckpointCorruptException>();
    }

    [Test]
    public async Task A_missing_entry_in_the_middle_is_reported_as_corrupt()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (store, id) = await JournalOfFourAsync(schema);

        await schema.ExecuteAsync($"DELETE FROM codeact_entries WHERE session_id = '{id}' AND seq = 2");

        var read = () => store.ReadAsync(id);
        (await read.Should().ThrowAsync<CheckpointCorruptException>()).Which.Message.Should().Contain("is missing entry 2");
    }

    [Test]
    public async Task A_missing_last_entry_is_reported_as_a_truncation()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (store, id) = await JournalOfFourAsync(schema);

        await schema.ExecuteAsync($"DELETE FROM codeact_entries WHERE session_id = '{id}' AND seq = 4");

        var read = () => store.ReadAsync(id);
        (await read.Should().ThrowAsync<CheckpointCorruptException>()).Which.Message.Should().Contain("should hold 4 entries but holds 3");
    }

    [Test]
    public async Task A_journal_in_another_format_is_refused_with_a_message()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (store, id) = await JournalOfFourAsync(schema);

        await schema.ExecuteAsync($"UPDATE codeact_sessions SET format_version = 0 WHERE id = '{id}'");

        var read = () => store.ReadAsync(id);
        (await read.Should().ThrowAsync<CheckpointFormatException>()).Which.Message.Should().Contain("format 0");
    }

    [Test]
    public async Task Damage_changes_nothing_so_the_journal_can_still_be_inspected_and_repaired()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (store, id) = await JournalOfFourAsync(schema);
        var original = await schema.ScalarAsync<string>($"SELECT payload FROM codeact_entries WHERE session_id = '{id}' AND seq = 2");
        await schema.ExecuteAsync($"UPDATE codeact_entries SET payload = '{{}}' WHERE session_id = '{id}' AND seq = 2");

        await store.Awaiting(s => s.ReadAsync(id)).Should().ThrowAsync<CheckpointCorruptException>();
        await store.Awaiting(s => s.ReadAsync(id)).Should().ThrowAsync<CheckpointCorruptException>();
        (await store.ListAsync()).Single().Entries.Should().Be(4);

        await schema.ExecuteAsync($"UPDATE codeact_entries SET payload = '{original.Replace("'", "''", StringComparison.Ordinal)}' WHERE session_id = '{id}' AND seq = 2");
        (await store.ReadAsync(id)).Entries.Should().HaveCount(4);
    }

    private static async Task<(PostgresCheckpointStore Store, string Id)> JournalOfFourAsync(TestSchema schema)
    {
        var store = schema.NewStore();
        var id = Journal.NewId();
        await store.CreateAsync(Journal.Session(id));
        await store.AppendAsync(id, Journal.ModelTurn(1, 1));
        await store.AppendAsync(id, Journal.ToolCall(2, 1));
        await store.AppendAsync(id, Journal.StepCompleted(3, 1));
        await store.AppendAsync(id, Journal.ModelTurn(4, 2));
        (await store.ReadAsync(id)).Entries.Should().HaveCount(4);
        return (store, id);
    }
}
