using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// Settings of a <see cref="CodeActAgent"/>. The properties are settable so that the options can be bound from
/// configuration and changed with <c>builder.Configure(...)</c>; the defaults suit a short task.
/// <see cref="CodeActOptionsValidator"/> checks them.
/// </summary>
public sealed class CodeActOptions
{
    /// <summary>The largest <see cref="MaxSteps"/> accepted.</summary>
    public const int MaxStepsLimit = 1000;

    /// <summary>The smallest <see cref="MaxObservationChars"/> accepted: room for the start, the end and the cut note.</summary>
    public const int MinObservationChars = 200;

    /// <summary>The name of the agent, reported in traces as <c>gen_ai.agent.name</c>. Default <c>CodeActAgent</c>.</summary>
    public string Name { get; set; } = "CodeActAgent";

    /// <summary>
    /// The most steps (model answer plus execution) one run may take before it ends with
    /// <see cref="AgentOutcome.MaxStepsReached"/>. Between 1 and <see cref="MaxStepsLimit"/>. Default 10.
    /// </summary>
    public int MaxSteps { get; set; } = 10;

    /// <summary>
    /// The most characters of one observation sent back to the model. A longer observation keeps its start and end,
    /// with a note saying how many characters were cut. At least <see cref="MinObservationChars"/>. Default 4,000.
    /// </summary>
    public int MaxObservationChars { get; set; } = 4000;

    /// <summary>
    /// Whether each observation ends with the state digest: the variables and functions the code has defined so far,
    /// with their types and short previews, so that the model can rely on earlier results without their full text.
    /// Default true.
    /// </summary>
    public bool ShowStateDigest { get; set; } = true;

    /// <summary>The most entries of the state digest shown (the newest); 1 to 500. Default 30.</summary>
    public int StateDigestEntries { get; set; } = 30;

    /// <summary>
    /// Output longer than this many characters is kept in the session as a string variable (<c>output_3</c>), and the
    /// observation shows its size, first and last lines, and the variable's name instead of the whole text. 0 turns
    /// it off (long output is then only truncated). Default 3,000.
    /// </summary>
    public int LargeOutputChars { get; set; } = 3000;

    /// <summary>
    /// Gives the code a <c>plan</c> tool to create a plan and mark items done or failed, with notes; the plan is shown
    /// after every step and returned in <see cref="AgentStep.Plan"/> and <see cref="AgentResult.Plan"/>. Default false.
    /// </summary>
    public bool EnablePlan { get; set; }

    /// <summary>What to do when the model answers without code. Default <see cref="NoCodeBehavior.AskForCode"/>.</summary>
    public NoCodeBehavior WhenNoCode { get; set; } = NoCodeBehavior.AskForCode;

    /// <summary>
    /// The limits of the sandbox session each run uses. Its <see cref="SandboxOptions.Tools"/> are added to the
    /// agent's tools. Default: the <see cref="SandboxOptions"/> defaults.
    /// </summary>
    public SandboxOptions Sandbox { get; set; } = new();

    /// <summary>
    /// Above this many tools, the prompt stops documenting each one: it lists them in one line each, grouped by server,
    /// and the code gets <c>search_tools(query)</c> and <c>describe_tool(name)</c> to find signatures when it needs them
    /// (every tool stays callable). 0 to 10,000; <see cref="int.MaxValue"/> turns tool search off. Default 40.
    /// </summary>
    public int ToolSearchAbove { get; set; } = 40;

    /// <summary>Extra instructions appended to the system prompt, for example the persona or the answer format the host expects.</summary>
    public string? Instructions { get; set; }

    /// <summary>
    /// Options passed to the chat client on every model call by the default <see cref="ChatClientCodeGenerator"/>,
    /// for example the model id, the temperature or stop sequences.
    /// </summary>
    public ChatOptions? ChatOptions { get; set; }

    /// <summary>
    /// How the default <see cref="ChatClientCodeGenerator"/> asks the model for code: fenced blocks in prose, a JSON
    /// object <c>{thought, code}</c> (structured output) or a call of <c>execute_code(code)</c> (native tool calling).
    /// Default <see cref="CodeFormat.Fenced"/>, which works with any chat model.
    /// </summary>
    public CodeFormat CodeFormat { get; set; } = CodeFormat.Fenced;

    /// <summary>
    /// In a typed run (<see cref="CodeActAgent.RunAsync{T}(AgentRunRequest, CancellationToken)"/>), how many answers that
    /// do not match the type are sent back to the model to fix; the next one ends the run with
    /// <see cref="AgentOutcome.AnswerRejected"/>. Between 0 and 20. Default 2 (three attempts in all).
    /// </summary>
    public int MaxAnswerRetries { get; set; } = 2;
}
