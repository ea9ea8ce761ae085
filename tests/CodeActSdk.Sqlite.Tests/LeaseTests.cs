namespace CodeActSdk.Sqlite.Tests;

public sealed class LeaseTests : StoreTestBase
{
    private static readonly TimeSpan Thirty = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_second_holder_is_refused_with_who_holds_the_lease_and_until_when()
    {
        var store = await StoreWithSessionAsync("run-1");
        await using var lease = await store.AcquireLeaseAsync("run-1", "host-a:4711", Thirty);

        var thrown = await store.Invoking(s => s.AcquireLeaseAsync("run-1", "host-b:99", Thirty)).Should().ThrowAsync<SessionLeasedException>();

        thrown.Which.Holder.Should().Be("host-a:4711");
        thrown.Which.Expires.Should().Be(Journal.Start + Thirty);
        thrown.Which.Message.Should().Contain("'run-1' is being run by host-a:4711");
        lease.SessionId.Should().Be("run-1");
        lease.Holder.Should().Be("host-a:4711");
    }

    [Test]
    public async Task The_same_holder_may_take_its_lease_again()
    {
        var store = await StoreWithSessionAsync("run-1");
        await using var first = await store.AcquireLeaseAsync("run-1", "host-a", Thirty);
        Clock.Advance(TimeSpan.FromSeconds(20));

        await using var again = await store.AcquireLeaseAsync("run-1", "host-a", Thirty);

        Clock.Advance(TimeSpan.FromSeconds(20));
        (await store.Invoking(s => s.AcquireLeaseAsync("run-1", "host-b", Thirty)).Should().ThrowAsync<SessionLeasedException>())
            .Which.Expires.Should().Be(Journal.Start.AddSeconds(50), "taking it again extended it");
    }

    [Test]
    public async Task An_expired_lease_may_be_taken_over_and_its_old_holder_learns_it_when_renewing()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.ModelTurn(1));
        var stale = await store.AcquireLeaseAsync("run-1", "host-a", Thirty);
        Clock.Advance(TimeSpan.FromSeconds(31));

        await using var takenOver = await store.AcquireLeaseAsync("run-1", "host-b", Thirty);
        var thrown = await stale.Invoking(l => l.RenewAsync()).Should().ThrowAsync<SessionLeasedException>();
        await stale.DisposeAsync();

        thrown.Which.Holder.Should().Be("host-b");
        (await store.Invoking(s => s.AcquireLeaseAsync("run-1", "host-c", Thirty)).Should().ThrowAsync<SessionLeasedException>())
            .Which.Holder.Should().Be("host-b", "the old holder's dispose must not release the new holder's lease");
        (await store.ReadAsync("run-1")).Entries.Should().ContainSingle();
    }

    [Test]
    public async Task Renewing_extends_the_lease_by_its_duration_from_now()
    {
        var store = await StoreWithSessionAsync("run-1");
        await using var lease = await store.AcquireLeaseAsync("run-1", "host-a", Thirty);
        Clock.Advance(TimeSpan.FromSeconds(20));

        await lease.RenewAsync();

        Clock.Advance(TimeSpan.FromSeconds(20));
        (await store.Invoking(s => s.AcquireLeaseAsync("run-1", "host-b", Thirty)).Should().ThrowAsync<SessionLeasedException>())
            .Which.Expires.Should().Be(Journal.Start.AddSeconds(50));
        Clock.Advance(TimeSpan.FromSeconds(11));
        await using var next = await store.AcquireLeaseAsync("run-1", "host-b", Thirty);
    }

    [Test]
    public async Task Disposing_a_lease_releases_it_at_once()
    {
        var store = await StoreWithSessionAsync("run-1");
        var lease = await store.AcquireLeaseAsync("run-1", "host-a", Thirty);

        await lease.DisposeAsync();
        await lease.DisposeAsync();

        await using var next = await store.AcquireLeaseAsync("run-1", "host-b", Thirty);
        await lease.Invoking(l => l.RenewAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task A_session_being_run_cannot_be_deleted_until_its_lease_ends()
    {
        var store = await StoreWithSessionAsync("run-1", Journal.Step(1, first: 1));
        var lease = await store.AcquireLeaseAsync("run-1", "host-a", Thirty);

        (await store.Invoking(s => s.DeleteAsync("run-1")).Should().ThrowAsync<SessionLeasedException>()).Which.Holder.Should().Be("host-a");
        (await store.ReadAsync("run-1")).Entries.Should().HaveCount(3);

        Clock.Advance(TimeSpan.FromSeconds(31));
        (await store.DeleteAsync("run-1")).Should().BeTrue("an expired lease protects nothing");
        await lease.DisposeAsync();
    }

    [Test]
    public async Task Renewing_a_lease_whose_session_was_deleted_meanwhile_says_the_session_is_gone()
    {
        var store = await StoreWithSessionAsync("run-1");
        await using var lease = await store.AcquireLeaseAsync("run-1", "host-a", Thirty);
        Clock.Advance(TimeSpan.FromSeconds(31));
        (await store.DeleteAsync("run-1")).Should().BeTrue();

        await lease.Invoking(l => l.RenewAsync()).Should().ThrowAsync<CheckpointNotFoundException>();
    }

    [Test]
    public async Task An_expired_lease_nobody_took_is_renewed()
    {
        var store = await StoreWithSessionAsync("run-1");
        await using var lease = await store.AcquireLeaseAsync("run-1", "host-a", Thirty);
        Clock.Advance(TimeSpan.FromSeconds(45));

        await lease.RenewAsync();

        (await store.Invoking(s => s.AcquireLeaseAsync("run-1", "host-b", Thirty)).Should().ThrowAsync<SessionLeasedException>())
            .Which.Expires.Should().Be(Journal.Start.AddSeconds(75));
    }

    [Test]
    public async Task Retention_deletes_a_session_once_its_lease_has_expired()
    {
        var store = await StoreWithSessionAsync("run-1");
        await using var lease = await store.AcquireLeaseAsync("run-1", "host-a", Thirty);
        var cutoff = Journal.Start.AddDays(1);

        (await store.DeleteOlderThanAsync(cutoff)).Should().Be(0);
        Clock.Advance(TimeSpan.FromSeconds(31));
        (await store.DeleteOlderThanAsync(cutoff)).Should().Be(1);
    }

    [Test]
    public async Task Leases_are_refused_with_an_empty_holder_or_a_duration_that_is_not_positive()
    {
        var store = await StoreWithSessionAsync("run-1");

        await store.Invoking(s => s.AcquireLeaseAsync("run-1", " ", Thirty)).Should().ThrowAsync<ArgumentException>();
        await store.Invoking(s => s.AcquireLeaseAsync("run-1", "host-a", TimeSpan.Zero)).Should().ThrowAsync<ArgumentOutOfRangeException>();
    }
}
