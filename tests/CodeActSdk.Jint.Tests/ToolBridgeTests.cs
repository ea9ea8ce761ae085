using CodeActSdk.Tests.Shared;

namespace CodeActSdk.Jint.Tests;

public class ToolBridgeTests : JavaScriptToolBridgeTests
{
    protected override ICodeInterpreter CreateInterpreter() => new JintInterpreter();
}
