namespace CodeActSdk.Sqlite.Tests;

public sealed class ConcurrencyTests : StoreTestBase
{
    [Test]
    public async Task Eight_sessions_appended_at_once_are_all_complete_afterwards()
    {
        var store = OpenStore();
        var ids = Enumerable.Range(1, 8).Select(i => $"run-{i}").ToArray();

        await Task.WhenAll(ids.Select(id => Task.Run(() => AppendStepsAsync(store, id, entries: 50))));

        foreach (var id in ids)
        {
            var journal = await store.ReadAsync(id);
            journal.Entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, 50).Select(i => (long)i));
            journal.Session.Entries.Should().Be(50);
        }
    }

    [Test]
    public async Task Two_stores_on_one_file_as_two_processes_would_both_write_safely()
    {
        var first = OpenStore();
        var second = OpenStore();

        await Task.WhenAll(
            Task.Run(() => AppendStepsAsync(first, "from-first-a", entries: 30)),
            Task.Run(() => AppendStepsAsync(second, "from-second-a", entries: 30)),
            Task.Run(() => AppendStepsAsync(first, "from-first-b", entries: 30)),
            Task.Run(() => AppendStepsAsync(second, "from-second-b", entries: 30)));

        foreach (var store in new[] { first, second })
        {
            var sessions = await store.ListAsync();
            sessions.Should().HaveCount(4).And.OnlyContain(s => s.Entries == 30);
            foreach (var session in sessions)
            {
                (await store.ReadAsync(session.Id)).Entries.Should().HaveCount(30);
            }
        }
    }

    /// <summary>Creates a session and appends whole steps (model turn, tool call, completed step) to it.</summary>
    private static async Task AppendStepsAsync(SqliteCheckpointStore store, string id, int entries)
    {
        await store.CreateAsync(Journal.Session(id));
        for (long sequence = 1; sequence <= entries; sequence++)
        {
            var step = (int)((sequence - 1) / 3) + 1;
            var entry = ((sequence - 1) % 3) switch
            {
                0 => Journal.ModelTurn(sequence, step),
                1 => Journal.ToolCall(sequence, step),
                _ => Journal.StepCompleted(sequence, step),
            };
            await store.AppendAsync(id, entry);
        }
    }
}
