namespace CodeActSdk.Sqlite.Tests;

/// <summary>A fresh folder per test, and the stores opened in it closed afterwards.</summary>
public abstract class StoreTestBase
{
    private readonly List<SqliteCheckpointStore> _stores = [];

    protected string Folder { get; private set; } = null!;

    protected string DatabasePath => System.IO.Path.Combine(Folder, "journal.db");

    internal ManualClock Clock { get; private set; } = null!;

    [SetUp]
    public void CreateFolder()
    {
        Folder = Directory.CreateTempSubdirectory("codeact-sqlite-tests-").FullName;
        Clock = new ManualClock(Journal.Start);
    }

    [TearDown]
    public void DeleteFolder()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }

        _stores.Clear();
        Directory.Delete(Folder, recursive: true);
    }

    protected SqliteCheckpointStore OpenStore(string? path = null)
    {
        var store = new SqliteCheckpointStore(path ?? DatabasePath, Clock);
        _stores.Add(store);
        return store;
    }

    protected async Task<SqliteCheckpointStore> StoreWithSessionAsync(string id, params JournalEntry[] entries)
    {
        var store = OpenStore();
        await store.CreateAsync(Journal.Session(id));
        foreach (var entry in entries)
        {
            await store.AppendAsync(id, entry);
        }

        return store;
    }
}
