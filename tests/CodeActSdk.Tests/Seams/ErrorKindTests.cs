using System.Text.Json;

namespace CodeActSdk.Tests.Seams;

/// <summary>Error kinds are a small struct of known values that reads and writes as the plain string it was.</summary>
public class ErrorKindTests
{
    [Test]
    public void Kinds_compare_by_name_ordinally_and_case_sensitively()
    {
        (new ErrorKind("MemoryLimit") == ErrorKind.MemoryLimit).Should().BeTrue();
        (new ErrorKind("memorylimit") == ErrorKind.MemoryLimit).Should().BeFalse("kinds were compared case-sensitively as strings");
        (new ErrorKind("TypeError") != ErrorKind.RangeError).Should().BeTrue();
        new ErrorKind("QuotaError").Equals((object)new ErrorKind("QuotaError")).Should().BeTrue();
        new ErrorKind("QuotaError").Equals("QuotaError").Should().BeFalse("a kind is not a string");
        new ErrorKind("QuotaError").GetHashCode().Should().Be(new ErrorKind("QuotaError").GetHashCode());
        ErrorKind.Timeout.ToString().Should().Be("Timeout");
        default(ErrorKind).Value.Should().BeEmpty();
    }

    [Test]
    public void The_known_kinds_name_themselves()
    {
        var known = typeof(ErrorKind).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(ErrorKind))
            .ToList();

        known.Should().HaveCountGreaterThan(15);
        foreach (var property in known)
        {
            ((ErrorKind)property.GetValue(null)!).Value.Should().Be(property.Name);
        }
    }

    [Test]
    public void Any_name_is_a_kind_and_a_long_one_is_cut_as_before()
    {
        var kind = new ErrorKind(new string('N', 5_000));

        kind.Value.Should().StartWith(new string('N', ErrorKind.MaxLength) + "…").And.Contain("the name was cut: 4,900 more characters");
        new ErrorKind("").Value.Should().BeEmpty();
        var missing = () => new ErrorKind(null!);
        missing.Should().Throw<ArgumentNullException>();
        new ExecutionError(new ErrorKind(new string('x', 101)), "m").Kind.Value.Should().Contain("the name was cut: 1 more characters");
    }

    [Test]
    public void In_JSON_a_kind_is_its_name_as_a_string()
    {
        var error = new ExecutionError(ErrorKind.MemoryLimit, "too much", 2, 5);

        var json = JsonSerializer.Serialize(error);
        var back = JsonSerializer.Deserialize<ExecutionError>(json)!;

        // The order ExecutionError had when its kind was a string (Kind and Message are declared in its body).
        json.Should().Be("""{"Line":2,"Column":5,"Kind":"MemoryLimit","Message":"too much"}""");
        back.Should().Be(error);
        JsonSerializer.Deserialize<ErrorKind>("\"QuotaError\"").Should().Be(new ErrorKind("QuotaError"));
        var notAString = () => JsonSerializer.Deserialize<ErrorKind>("42");
        notAString.Should().Throw<JsonException>();
    }
}
