using Npgsql;

namespace CodeActSdk.Postgres.Tests;

/// <summary>A store that cannot reach its database says so, and where it looked, without giving away the password.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class UnavailableTests
{
    private const string Password = "pa55-w0rd-never-shown";

    [Test]
    public async Task A_server_that_is_not_there_makes_every_call_fail_as_unavailable()
    {
        // Nothing listens on port 1; a short connect timeout keeps a dropping firewall from stalling the test.
        var connectionString = $"Host=127.0.0.1;Port=1;Username=postgres;Password={Password};Database=codeact_test;Timeout=2;Pooling=false";
        await using var store = new PostgresCheckpointStore(connectionString);
        var id = Journal.NewId();

        var calls = new Func<Task>[]
        {
            () => store.CreateAsync(Journal.Session(id)),
            () => store.AppendAsync(id, Journal.ModelTurn(1, 1)),
            () => store.ReadAsync(id),
            () => store.ListAsync(),
            () => store.DeleteAsync(id),
            () => store.DeleteOlderThanAsync(DateTimeOffset.UtcNow),
            () => store.AcquireLeaseAsync(id, "host-a:101", TimeSpan.FromSeconds(30)),
        };

        foreach (var call in calls)
        {
            var failure = (await call.Should().ThrowAsync<CheckpointStoreUnavailableException>()).Which;
            failure.Message.Should().Contain("127.0.0.1:1").And.Contain("database 'codeact_test'").And.NotContain(Password);
            failure.InnerException.Should().BeAssignableTo<NpgsqlException>();
        }
    }

    [Test]
    public async Task A_user_the_server_does_not_know_is_unavailable_too()
    {
        var builder = new NpgsqlConnectionStringBuilder(TestDatabase.ConnectionString) { Username = "nobody_" + Guid.NewGuid().ToString("N")[..8], Password = Password };
        await using var store = new PostgresCheckpointStore(builder.ConnectionString);

        var list = () => store.ListAsync();

        var failure = (await list.Should().ThrowAsync<CheckpointStoreUnavailableException>()).Which;
        failure.Message.Should().Contain(builder.Username).And.Contain("28000").And.NotContain(Password);
    }

    [Test]
    public async Task A_database_that_does_not_exist_is_unavailable()
    {
        var builder = new NpgsqlConnectionStringBuilder(TestDatabase.ConnectionString) { Database = "no_such_database_" + Guid.NewGuid().ToString("N")[..8] };
        await using var store = new PostgresCheckpointStore(builder.ConnectionString);

        var list = () => store.ListAsync();

        (await list.Should().ThrowAsync<CheckpointStoreUnavailableException>()).Which.Message.Should().Contain($"database '{builder.Database}'").And.Contain("3D000");
    }

    [Test]
    public async Task A_store_that_was_unavailable_works_once_the_server_answers()
    {
        // The tables are created on the first call that reaches the server, not on the first call.
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var missing = new NpgsqlConnectionStringBuilder(schema.ConnectionString) { SearchPath = schema.Name + "_not_yet" };
        await using var store = new PostgresCheckpointStore(missing.ConnectionString);
        await store.Awaiting(s => s.ListAsync()).Should().ThrowAsync<CheckpointStoreUnavailableException>();

        await schema.ExecuteAsync($"CREATE SCHEMA {missing.SearchPath}");
        try
        {
            (await store.ListAsync()).Should().BeEmpty();
        }
        finally
        {
            await schema.ExecuteAsync($"DROP SCHEMA {missing.SearchPath} CASCADE");
        }
    }

    [Test]
    public void A_malformed_connection_string_is_refused_at_once()
    {
        var create = () => new PostgresCheckpointStore("Host=127.0.0.1;Portt=5432");

        create.Should().Throw<ArgumentException>();
    }
}
