using System.Text;

namespace CodeActSdk;

/// <summary>
/// Writes the system prompt of a CodeAct run: the agent's role, the sandbox's language and dialect, the tools'
/// documentation, the rules of the loop (state persists between steps, work is done in code, observations are
/// truncated, the run ends with <c>final_answer(value)</c>) and the host's extra instructions.
/// </summary>
/// <remarks>A pure function of its arguments; safe to call from any thread.</remarks>
public static class SystemPromptBuilder
{
    /// <summary>Builds the system prompt.</summary>
    /// <param name="language">The language of the interpreter, from <see cref="ICodeInterpreter.Language"/>.</param>
    /// <param name="toolDocumentation">The tools' documentation, from <see cref="ICodeInterpreter.DescribeTools"/>; empty when there are no tools.</param>
    /// <param name="maxObservationChars">The observation limit, so that the model knows to print summaries.</param>
    /// <param name="instructions">The host's extra instructions, appended at the end; optional.</param>
    /// <returns>The system prompt.</returns>
    public static string Build(CodeLanguage language, string toolDocumentation, int maxObservationChars, string? instructions = null) =>
        Build(language, toolDocumentation, maxObservationChars, instructions, CodeFormat.Fenced);

    /// <summary>Builds the system prompt for a model that hands over its code in <paramref name="format"/>.</summary>
    /// <param name="language">The language of the interpreter, from <see cref="ICodeInterpreter.Language"/>.</param>
    /// <param name="toolDocumentation">The tools' documentation, from <see cref="ICodeInterpreter.DescribeTools"/>; empty when there are no tools.</param>
    /// <param name="maxObservationChars">The observation limit, so that the model knows to print summaries.</param>
    /// <param name="instructions">The host's extra instructions, appended at the end; optional.</param>
    /// <param name="format">How each answer hands over its code (the generator's <see cref="CodeFormat"/>).</param>
    /// <returns>The system prompt.</returns>
    public static string Build(CodeLanguage language, string toolDocumentation, int maxObservationChars, string? instructions, CodeFormat format)
    {
        ArgumentNullException.ThrowIfNull(language);
        var prompt = new StringBuilder();

        prompt.AppendLine($"You are an agent that solves tasks by writing {language.Name} code and running it. {CodeFormats.HowToAnswer(format, language)}");
        prompt.AppendLine();
        prompt.AppendLine("## How a step works");
        prompt.AppendLine($"1. {CodeFormats.WriteTheCode(format, language)}");
        prompt.AppendLine($"2. The code runs in a sandboxed {language.Name} interpreter. What it prints, the value of its last expression and any error come back to you in the next message, which starts with \"Observation:\".");
        prompt.AppendLine("3. Read the observation and continue with the next step.");
        prompt.AppendLine();
        prompt.AppendLine("## Rules");
        prompt.AppendLine("- The interpreter keeps its state between steps, like a REPL: variables and functions you defined in earlier steps are still defined. Build on them instead of recomputing.");
        prompt.AppendLine("- Do arithmetic, counting, sorting, dates and any data work in code, never in your head. Print the intermediate results you need to see.");
        prompt.AppendLine($"- Observations are truncated to about {maxObservationChars} characters, keeping the start and the end. Print short summaries, not whole data sets.");
        prompt.AppendLine("- If the observation shows an error, fix the code and run it again.");
        prompt.AppendLine("- The sandbox has no network, modules or host files; only the language's built-ins, its virtual file system (below) and the tools listed below are available.");
        prompt.AppendLine("- When you have the answer, call final_answer(value) in code with the answer itself (a number, string, array or object). The run ends there. Do not only write the answer in prose.");
        prompt.AppendLine();
        prompt.AppendLine($"## Language: {language.Name}");
        prompt.AppendLine($"Dialect: {language.Dialect}");
        if (!string.IsNullOrWhiteSpace(language.Guidance))
        {
            prompt.AppendLine(language.Guidance.Trim());
        }

        prompt.AppendLine(CodeFormats.WhereCodeGoes(format, language));
        prompt.AppendLine();
        prompt.AppendLine("## Tools");
        if (string.IsNullOrWhiteSpace(toolDocumentation))
        {
            prompt.AppendLine($"No tools are available; use plain {language.Name}.");
        }
        else
        {
            prompt.AppendLine("These host functions can be called from your code like ordinary functions:");
            prompt.AppendLine(toolDocumentation.Trim());
        }

        if (!string.IsNullOrWhiteSpace(instructions))
        {
            prompt.AppendLine();
            prompt.AppendLine("## Additional instructions");
            prompt.AppendLine(instructions.Trim());
        }

        return prompt.ToString().TrimEnd();
    }

    /// <summary>
    /// Describes the type a typed run's answer must have, for the task message: the declaration in the language's idiom
    /// (<see cref="CodeLanguage.DescribeType"/>: a JSDoc typedef for JavaScript, a record for C#) and how it is checked.
    /// </summary>
    /// <param name="language">The interpreter's language.</param>
    /// <param name="schema">The answer's type and schema.</param>
    /// <returns>The section, starting with <c>[answer type]</c>.</returns>
    public static string DescribeAnswer(CodeLanguage language, AnswerSchema schema)
    {
        ArgumentNullException.ThrowIfNull(language);
        ArgumentNullException.ThrowIfNull(schema);
        return $"[answer type] Pass the answer to final_answer(...) as a value of type {schema.TypeName}. It is checked against this type; a value that does not match is sent back to you with what is wrong.\n"
            + language.DescribeType(schema.TypeName, schema.Schema);
    }
}
