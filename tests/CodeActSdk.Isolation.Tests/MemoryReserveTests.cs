using CodeActSdk.Isolation.Worker;
using FluentAssertions;
using NUnit.Framework;

namespace CodeActSdk.Isolation.Tests;

public sealed class MemoryReserveTests
{
    [Test]
    public void An_out_of_memory_exception_on_any_thread_lets_the_reserve_go_before_it_is_handled()
    {
        using var reserve = new MemoryReserve(1024 * 1024);
        bool? heldWhenHandled = null;

        var thread = new Thread(() =>
        {
            try
            {
                throw new OutOfMemoryException();
            }
            catch (OutOfMemoryException)
            {
                heldWhenHandled = reserve.IsHeld;
            }
        });
        thread.Start();
        thread.Join();

        heldWhenHandled.Should().BeFalse();
        reserve.Refill().Should().BeTrue();
        reserve.IsHeld.Should().BeTrue();
    }

    [Test]
    public void Other_exceptions_leave_the_reserve_held()
    {
        using var reserve = new MemoryReserve(1024 * 1024);

        try
        {
            throw new InvalidOperationException("not about memory");
        }
        catch (InvalidOperationException)
        {
        }

        reserve.IsHeld.Should().BeTrue();
    }

    [Test]
    public void A_disposed_reserve_stops_watching()
    {
        var reserve = new MemoryReserve(1024 * 1024);
        reserve.Dispose();

        try
        {
            throw new OutOfMemoryException();
        }
        catch (OutOfMemoryException)
        {
        }

        reserve.IsHeld.Should().BeTrue();
    }
}
