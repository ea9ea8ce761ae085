using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;

namespace CodeActSdk.Durability.CrashHost;

/// <summary>
/// The scripted session the crash host runs: eight ES5 turns, each calling the tool <c>record(item)</c> two or three
/// times with arguments used nowhere else, the last one giving a final answer built from every result. The crash tests
/// read it to know which items to expect in the effects log and what the answer must be.
/// </summary>
public static class CrashScript
{
    /// <summary>The tool's name, as the code calls it.</summary>
    public const string ToolName = "record";

    /// <summary>The task the session is given.</summary>
    public const string SessionTask = "Record every item of the list, then report what was recorded.";

    /// <summary>How long the tool works before its effect: time for a kill that lands in a call with no effect yet.</summary>
    public static readonly TimeSpan BeforeEffect = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// How long the tool works after its effect, before it returns and the call is journaled: the window in which a
    /// kill leaves an effect that the journal does not know of.
    /// </summary>
    public static readonly TimeSpan AfterEffect = TimeSpan.FromMilliseconds(8);

    /// <summary>How long the model "thinks" before each live turn: the window between one step's end and the next turn.</summary>
    public static readonly TimeSpan ModelLatency = TimeSpan.FromMilliseconds(8);

    private static readonly int[] CallsPerStep = [3, 2, 3, 2, 3, 2, 3, 2];

    /// <summary>Every item the session records, in the order the code records them.</summary>
    public static IReadOnlyList<string> Items { get; } =
        [.. CallsPerStep.SelectMany((calls, step) => Enumerable.Range(0, calls).Select(call => Item(step + 1, call)))];

    /// <summary>The model's turns, in order.</summary>
    public static IReadOnlyList<string> Turns { get; } = [.. CallsPerStep.Select((calls, step) => Turn(step + 1, calls))];

    /// <summary>The final answer a run of the whole script gives, however often it was interrupted.</summary>
    public static string ExpectedAnswer =>
        string.Join(",", Items.Select(Result)) + " n=" + Items.Count.ToString(CultureInfo.InvariantCulture)
        + " length=" + Items.Sum(i => Result(i).Length).ToString(CultureInfo.InvariantCulture);

    /// <summary>What <c>record(item)</c> returns: the item and a checksum of it, so the answer depends on every result.</summary>
    public static string Result(string item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var checksum = 17;
        foreach (var c in item)
        {
            checksum = ((checksum * 31) + c) % 10007;
        }

        return item.ToUpperInvariant() + "#" + checksum.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The tool <c>record(item)</c>: appends the item and a newline to <paramref name="effectsLog"/> (opened, appended,
    /// flushed to disk and closed on every call, so that a killed process leaves whole lines) and returns
    /// <see cref="Result"/>.
    /// </summary>
    public static AIFunction RecordTool(string effectsLog) => AIFunctionFactory.Create(
        async ([Description("The item to record, for example 's3-b'.")] string item) =>
        {
            await Task.Delay(BeforeEffect).ConfigureAwait(false);
            using (var stream = new FileStream(effectsLog, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
                stream.Write(Encoding.UTF8.GetBytes(item + "\n"));
                stream.Flush(flushToDisk: true);
            }

            await Task.Delay(AfterEffect).ConfigureAwait(false);
            return Result(item);
        },
        ToolName,
        "Records an item in the effects log (a side effect that must happen once) and returns its receipt.");

    private static string Item(int step, int call) => string.Create(CultureInfo.InvariantCulture, $"s{step}-{(char)('a' + call)}");

    private static string Turn(int step, int calls)
    {
        var code = new StringBuilder();
        if (step == 1)
        {
            code.Append("var results = [];\n");
        }

        for (var call = 0; call < calls; call++)
        {
            code.Append(CultureInfo.InvariantCulture, $"results.push({ToolName}('{Item(step, call)}'));\n");
        }

        if (step == CallsPerStep.Length)
        {
            code.Append("var length = 0;\nfor (var i = 0; i < results.length; i++) { length += results[i].length; }\n");
            code.Append("final_answer(results.join(',') + ' n=' + results.length + ' length=' + length);\n");
        }
        else
        {
            code.Append("console.log('recorded ' + results.length + ' so far, last ' + results[results.length - 1]);\n");
        }

        return $"Step {step}: I record the next {calls} items.\n```js\n{code}```";
    }
}
