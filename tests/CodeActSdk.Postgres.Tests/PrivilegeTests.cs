using Npgsql;

namespace CodeActSdk.Postgres.Tests;

/// <summary>A fleet's hosts may connect as a user that can read and write the tables but not create them.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class PrivilegeTests
{
    [Test]
    public async Task A_user_that_may_only_read_and_write_uses_the_tables_once_they_exist_and_is_told_when_they_do_not()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        await using var empty = await TestDatabase.CreateSchemaAsync();
        (await schema.NewStore().ListAsync()).Should().BeEmpty(); // the owner creates the tables, as a DBA would
        var role = $"codeact_dml_{Guid.NewGuid():N}";
        await schema.ExecuteAsync(
            $"CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {schema.Name}, {empty.Name} TO {role}; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema.Name} TO {role}");
        try
        {
            var asHost = new NpgsqlConnectionStringBuilder(schema.ConnectionString) { Username = role, Pooling = false };
            await using (var store = new PostgresCheckpointStore(asHost.ConnectionString))
            {
                var id = Journal.NewId();
                await store.CreateAsync(Journal.Session(id));
                await store.AppendAsync(id, Journal.ModelTurn(1, 1));
                await using (await store.AcquireLeaseAsync(id, "host-a:101", TimeSpan.FromSeconds(30)))
                {
                    (await store.ReadAsync(id)).Entries.Should().HaveCount(1);
                }

                (await store.DeleteAsync(id)).Should().BeTrue();
            }

            var onEmpty = new NpgsqlConnectionStringBuilder(empty.ConnectionString) { Username = role, Pooling = false };
            await using (var store = new PostgresCheckpointStore(onEmpty.ConnectionString))
            {
                var list = () => store.ListAsync();
                (await list.Should().ThrowAsync<CheckpointStoreUnavailableException>()).Which.Message.Should().Contain("permission denied").And.Contain("42501");
            }
        }
        finally
        {
            await schema.ExecuteAsync($"DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }
}
