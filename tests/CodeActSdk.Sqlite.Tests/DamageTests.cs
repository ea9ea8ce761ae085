namespace CodeActSdk.Sqlite.Tests;

/// <summary>A journal damaged on disk is refused, never misread, and the store keeps it as it is for inspection.</summary>
public sealed class DamageTests : StoreTestBase
{
    [Test]
    public async Task A_changed_payload_fails_its_checksum()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.Step(1, first: 1));
        await store.CreateAsync(Journal.Session("run-2"));
        await store.AppendAsync("run-2", Journal.ModelTurn(1));
        Journal.Tamper(DatabasePath, "UPDATE entries SET payload = replace(payload, '12.5', '125') WHERE session_id = 'run-1' AND seq = 2").Should().Be(1);

        var thrown = await store.Invoking(s => s.ReadAsync("run-1")).Should().ThrowAsync<CheckpointCorruptException>();

        thrown.Which.Message.Should().Be("Entry 2 of session 'run-1' is damaged: its checksum does not match its content. Nothing was changed.");
        (await store.ReadAsync("run-2")).Entries.Should().ContainSingle("other sessions are unaffected");
        await store.Invoking(s => s.ReadAsync("run-1")).Should().ThrowAsync<CheckpointCorruptException>("reading changed nothing");
    }

    [Test]
    public async Task A_missing_entry_in_the_middle_is_reported()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.Step(1, first: 1));
        Journal.Tamper(DatabasePath, "DELETE FROM entries WHERE session_id = 'run-1' AND seq = 2").Should().Be(1);

        var thrown = await store.Invoking(s => s.ReadAsync("run-1")).Should().ThrowAsync<CheckpointCorruptException>();

        thrown.Which.Message.Should().Contain("is missing entry 2 (the next one is 3)");
    }

    [Test]
    public async Task A_journal_that_lost_its_last_entries_is_reported_as_truncated()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.Step(1, first: 1));
        Journal.Tamper(DatabasePath, "DELETE FROM entries WHERE session_id = 'run-1' AND seq = 3").Should().Be(1);

        var thrown = await store.Invoking(s => s.ReadAsync("run-1")).Should().ThrowAsync<CheckpointCorruptException>();

        thrown.Which.Message.Should().Contain("should hold 3 entries but holds 2: it was truncated");
        await store.Invoking(s => s.AppendAsync("run-1", Journal.ModelTurn(3, step: 2))).Should().ThrowAsync<CheckpointConflictException>("the store does not fill the hole");
        Journal.Tamper(DatabasePath, "UPDATE entries SET step = step WHERE session_id = 'run-1'").Should().Be(2, "the remaining entries are kept");
    }

    [Test]
    public async Task A_session_of_another_format_is_refused_for_reading_and_appending()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.Step(1, first: 1));
        Journal.Tamper(DatabasePath, "UPDATE sessions SET format_version = 0 WHERE id = 'run-1'").Should().Be(1);

        var read = await store.Invoking(s => s.ReadAsync("run-1")).Should().ThrowAsync<CheckpointFormatException>();
        var append = await store.Invoking(s => s.AppendAsync("run-1", Journal.ModelTurn(4, step: 2))).Should().ThrowAsync<CheckpointFormatException>();

        read.Which.Message.Should().Contain("journaled in format 0");
        append.Which.Message.Should().Contain("format 0");
        Journal.Tamper(DatabasePath, "UPDATE sessions SET format_version = 1 WHERE id = 'run-1'");
        (await store.ReadAsync("run-1")).Entries.Should().HaveCount(3, "nothing was appended or lost");
    }

    [Test]
    public async Task A_folder_that_does_not_exist_is_named_and_not_created()
    {
        var path = System.IO.Path.Combine(Folder, "missing", "journal.db");
        var store = OpenStore(path);

        var thrown = await store.Invoking(s => s.CreateAsync(Journal.Session("run-1"))).Should().ThrowAsync<CheckpointStoreUnavailableException>();

        thrown.Which.Message.Should().Contain(path).And.Contain("does not exist").And.Contain("Create '" + System.IO.Path.Combine(Folder, "missing") + "' first");
        Directory.Exists(System.IO.Path.Combine(Folder, "missing")).Should().BeFalse();
        await store.Invoking(s => s.ListAsync()).Should().ThrowAsync<CheckpointStoreUnavailableException>("every call reports it, not only the first");
    }

    [Test]
    public async Task A_file_that_is_not_a_database_is_reported_and_left_untouched()
    {
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        await File.WriteAllBytesAsync(DatabasePath, garbage);
        var store = OpenStore();

        var thrown = await store.Invoking(s => s.ListAsync()).Should().ThrowAsync<CheckpointStoreUnavailableException>();

        thrown.Which.Message.Should().Contain(DatabasePath).And.Contain("is not a SQLite database or is damaged");
        (await File.ReadAllBytesAsync(DatabasePath)).Should().Equal(garbage);
    }

    [Test]
    public async Task A_file_with_a_newer_schema_is_refused_clearly()
    {
        (await StoreWithSessionAsync("run-1", Journal.ModelTurn(1))).Dispose();
        Journal.Tamper(DatabasePath, "PRAGMA user_version = 99");

        var thrown = await OpenStore().Invoking(s => s.ReadAsync("run-1")).Should().ThrowAsync<CheckpointStoreUnavailableException>();

        thrown.Which.Message.Should().Contain("schema version 99, newer than this version of CodeActSdk.Sqlite reads (1)");
        Journal.Tamper(DatabasePath, "PRAGMA user_version = 1");
        (await OpenStore().ReadAsync("run-1")).Entries.Should().ContainSingle();
    }

    [Test]
    public async Task A_disposed_store_refuses_further_calls()
    {
        var store = await StoreWithSessionAsync("run-1");
        store.Dispose();

        await store.Invoking(s => s.ListAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }
}
