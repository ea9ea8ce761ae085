using CodeActSdk.Tests.Shared;

namespace CodeActSdk.V8.Tests;

/// <summary>The shared <c>files</c> tests, plus what only modern JavaScript can pass.</summary>
public class FilesTests : JavaScriptFilesTests
{
    protected override ICodeInterpreter CreateInterpreter()
    {
        if (!V8Interpreter.IsAvailable(out var reason))
        {
            Assert.Fail("V8 is not available, so the V8 backend cannot be tested: " + reason);
        }

        return new V8Interpreter();
    }

    [Test]
    public async Task Bytes_may_be_written_from_a_typed_array()
    {
        var result = await RunAsync("files.writeBytes('b.bin', new Uint8Array([1, 2, 250])); Array.from(new Uint8Array(files.readBytes('b.bin')))");

        Json(result).Should().Be("[1,2,250]");
    }

    [Test]
    public async Task Files_cannot_be_declared_again_with_let()
    {
        var result = await RunAsync("let files = 1;");

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
    }
}
