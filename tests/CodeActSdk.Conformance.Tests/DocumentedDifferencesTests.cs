namespace CodeActSdk.Conformance.Tests;

/// <summary>Every named difference between backends is explained in docs/backends.md.</summary>
public class DocumentedDifferencesTests
{
    [Test]
    public void Every_difference_is_listed_in_the_backends_document()
    {
        var document = File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "backends.md"));

        foreach (var difference in Enum.GetNames<Difference>())
        {
            document.Should().Contain($"`{difference}`", "each named difference must be documented");
        }
    }
}
