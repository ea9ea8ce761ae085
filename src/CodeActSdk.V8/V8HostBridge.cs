using Microsoft.ClearScript.V8;
using Microsoft.ClearScript.V8.FastProxy;

namespace CodeActSdk.V8;

/// <summary>
/// The one host function of a sandbox: <c>host(operation, index, text)</c>, returning the reply as a string whose
/// first character says what it is (see SandboxPrelude.js). It is a ClearScript fast host function, so no
/// reflection and no .NET object is involved; the prelude keeps it in a closure the code cannot reach. It never
/// throws: a fault of the host becomes an error reply with a fixed text, so no .NET exception's text reaches the code.
/// </summary>
internal sealed class V8HostBridge
{
    public const int OpConsole = 1;
    public const int OpTool = 2;
    public const int OpFinalAnswer = 3;
    public const int OpFiles = 4;
    public const int OpMemory = 5;
    public const int OpDrain = 6;

    public const string ReplyValue = "0";
    public const string ReplyError = "1";
    public const string ReplyTypeError = "2";
    public const string ReplyStop = "3";
    public const string ReplyNull = "4";

    private readonly V8ScriptEngine _engine;

    public V8HostBridge(V8ScriptEngine engine)
    {
        _engine = engine;
        Function = new V8FastHostFunction("host", 3, Invoke);
    }

    public V8FastHostFunction Function { get; }

    /// <summary>The execution the calls belong to; null between executions, when every call is refused.</summary>
    public V8Execution? Execution { get; set; }

    private void Invoke(bool asConstructor, in V8FastArgs args, in V8FastResult result)
    {
        string reply;
        try
        {
            var operation = args.GetInt32(0);
            if (operation == OpDrain)
            {
                _engine.Interrupt();
                reply = "";
            }
            else
            {
                var execution = Execution;
                reply = execution is null
                    ? ReplyError + "The sandbox cannot be called now."
                    : execution.OnHostCall(operation, args.GetInt32(1), args.GetString(2));
            }
        }
        catch (Exception e) when (e is not (OutOfMemoryException or InsufficientMemoryException))
        {
            reply = ReplyError + "The host failed to answer the call.";
        }

        result.Set(reply);
    }
}
