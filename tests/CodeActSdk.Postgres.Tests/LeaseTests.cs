namespace CodeActSdk.Postgres.Tests;

/// <summary>Leases between hosts, each with a store of its own on one database.</summary>
[Parallelizable(ParallelScope.All)]
public sealed class LeaseTests
{
    private static readonly TimeSpan HalfAMinute = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_session_leased_by_one_host_is_refused_to_another_naming_the_holder()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (hostA, hostB) = (schema.NewStore(), schema.NewStore());
        var id = await NewSessionAsync(hostA);

        await using var lease = await hostA.AcquireLeaseAsync(id, "host-a:101", HalfAMinute);
        var steal = () => hostB.AcquireLeaseAsync(id, "host-b:202", HalfAMinute);

        var refused = (await steal.Should().ThrowAsync<SessionLeasedException>()).Which;
        refused.Holder.Should().Be("host-a:101");
        refused.Expires.Should().Be(((PostgresCheckpointLease)lease).Expires);
        refused.Message.Should().Contain($"Session '{id}' is being run by host-a:101");
        lease.SessionId.Should().Be(id);
        lease.Holder.Should().Be("host-a:101");
    }

    [Test]
    public async Task A_lease_runs_on_the_database_clock()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = await NewSessionAsync(store);

        await using var lease = (PostgresCheckpointLease)await store.AcquireLeaseAsync(id, "host-a:101", HalfAMinute);

        var stored = await schema.ScalarAsync<DateTime>($"SELECT lease_expires FROM codeact_sessions WHERE id = '{id}'");
        lease.Expires.Should().Be(new DateTimeOffset(stored));
        var databaseNow = new DateTimeOffset(await schema.ScalarAsync<DateTime>("SELECT now()"));
        lease.Expires.Should().BeCloseTo(databaseNow + HalfAMinute, TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task A_short_lease_that_is_not_renewed_expires_and_another_host_takes_it()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (hostA, hostB) = (schema.NewStore(), schema.NewStore());
        var id = await NewSessionAsync(hostA);
        var first = await hostA.AcquireLeaseAsync(id, "host-a:101", TimeSpan.FromSeconds(1));

        // Waits for the real expiry (a second on the database's clock); the loop only bounds a stuck run.
        ICheckpointLease? second = null;
        for (var attempt = 0; second is null && attempt < 100; attempt++)
        {
            try
            {
                second = await hostB.AcquireLeaseAsync(id, "host-b:202", HalfAMinute);
            }
            catch (SessionLeasedException refused)
            {
                refused.Holder.Should().Be("host-a:101");
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }

        second.Should().NotBeNull("host A's one-second lease expires");
        await using (second)
        {
            var renew = () => first.RenewAsync();
            (await renew.Should().ThrowAsync<SessionLeasedException>()).Which.Holder.Should().Be("host-b:202");

            // Releasing the expired lease must not release the new holder's.
            await first.DisposeAsync();
            await hostA.Awaiting(s => s.AcquireLeaseAsync(id, "host-c:303", HalfAMinute)).Should().ThrowAsync<SessionLeasedException>()
                .Where(e => e.Holder == "host-b:202");
        }
    }

    [Test]
    public async Task Renewing_extends_the_lease_even_after_it_lapsed_when_nobody_took_it()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (hostA, hostB) = (schema.NewStore(), schema.NewStore());
        var id = await NewSessionAsync(hostA);
        await using var lease = (PostgresCheckpointLease)await hostA.AcquireLeaseAsync(id, "host-a:101", HalfAMinute);
        await schema.ExecuteAsync($"UPDATE codeact_sessions SET lease_expires = now() - interval '1 second' WHERE id = '{id}'");

        await lease.RenewAsync();

        var databaseNow = new DateTimeOffset(await schema.ScalarAsync<DateTime>("SELECT now()"));
        lease.Expires.Should().BeAfter(databaseNow + TimeSpan.FromSeconds(20));
        await hostB.Awaiting(s => s.AcquireLeaseAsync(id, "host-b:202", HalfAMinute)).Should().ThrowAsync<SessionLeasedException>();
    }

    [Test]
    public async Task Releasing_a_lease_lets_another_host_take_the_session_at_once()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (hostA, hostB) = (schema.NewStore(), schema.NewStore());
        var id = await NewSessionAsync(hostA);
        var lease = await hostA.AcquireLeaseAsync(id, "host-a:101", HalfAMinute);

        await lease.DisposeAsync();
        await lease.DisposeAsync();

        await using var taken = await hostB.AcquireLeaseAsync(id, "host-b:202", HalfAMinute);
        taken.Holder.Should().Be("host-b:202");
        await lease.Awaiting(l => l.RenewAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task The_same_holder_asking_again_gets_the_lease_again()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = await NewSessionAsync(store);

        await using var first = await store.AcquireLeaseAsync(id, "host-a:101", HalfAMinute);
        await using var again = await store.AcquireLeaseAsync(id, "host-a:101", HalfAMinute);

        again.Holder.Should().Be("host-a:101");
    }

    [Test]
    public async Task Renewing_a_lease_that_was_released_meanwhile_is_a_conflict()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = await NewSessionAsync(store);
        await using var lease = await store.AcquireLeaseAsync(id, "host-a:101", HalfAMinute);

        // Someone took it after it lapsed, ran the session and let go: renewing would hide that.
        await schema.ExecuteAsync($"UPDATE codeact_sessions SET lease_holder = NULL, lease_expires = NULL WHERE id = '{id}'");

        await lease.Awaiting(l => l.RenewAsync()).Should().ThrowAsync<CheckpointConflictException>();
    }

    [Test]
    public async Task A_leased_session_cannot_be_deleted_until_its_lease_ends()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var (hostA, hostB) = (schema.NewStore(), schema.NewStore());
        var id = await NewSessionAsync(hostA);
        var lease = await hostA.AcquireLeaseAsync(id, "host-a:101", HalfAMinute);

        var delete = () => hostB.DeleteAsync(id);

        (await delete.Should().ThrowAsync<SessionLeasedException>()).Which.Holder.Should().Be("host-a:101");
        (await hostB.ReadAsync(id)).Entries.Should().HaveCount(1);
        await lease.DisposeAsync();
        (await hostB.DeleteAsync(id)).Should().BeTrue();
    }

    [Test]
    public async Task An_expired_lease_does_not_keep_a_session_from_being_deleted()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var id = await NewSessionAsync(store);
        await store.AcquireLeaseAsync(id, "host-a:101", HalfAMinute); // a host that crashed and never released it
        await schema.ExecuteAsync($"UPDATE codeact_sessions SET lease_expires = now() - interval '1 second' WHERE id = '{id}'");

        (await store.DeleteAsync(id)).Should().BeTrue();
    }

    [Test]
    public async Task Retention_keeps_old_sessions_that_are_being_run()
    {
        await using var schema = await TestDatabase.CreateSchemaAsync();
        var store = schema.NewStore();
        var (running, abandoned, idle) = (await NewSessionAsync(store), await NewSessionAsync(store), await NewSessionAsync(store));
        await using var lease = await store.AcquireLeaseAsync(running, "host-a:101", HalfAMinute);
        await store.AcquireLeaseAsync(abandoned, "host-b:202", HalfAMinute);
        await schema.ExecuteAsync($"UPDATE codeact_sessions SET lease_expires = now() - interval '1 second' WHERE id = '{abandoned}'");
        await schema.ExecuteAsync("UPDATE codeact_sessions SET updated = now() - interval '40 days'");

        var deleted = await store.DeleteOlderThanAsync(DateTimeOffset.UtcNow.AddDays(-30));

        deleted.Should().Be(2);
        (await store.ListAsync()).Select(s => s.Id).Should().Equal(running);
        _ = idle;
    }

    private static async Task<string> NewSessionAsync(PostgresCheckpointStore store)
    {
        var id = Journal.NewId();
        await store.CreateAsync(Journal.Session(id));
        await store.AppendAsync(id, Journal.ModelTurn(1, 1));
        return id;
    }
}
