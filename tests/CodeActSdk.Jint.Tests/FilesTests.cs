using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Jint.Tests;

public class FilesTests : JavaScriptFilesTests
{
    protected override ICodeInterpreter CreateInterpreter() => new JintInterpreter();
}
