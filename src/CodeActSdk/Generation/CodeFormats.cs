using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// The three ways a model hands over its code (<see cref="CodeFormat"/>): what the request asks for, how an answer is
/// read into a <see cref="ModelTurn"/> (leniently, as real models answer: a JSON object in a fence or after prose, code
/// in a fence inside the JSON string, a tool name with a prefix, the arguments under another name), what a durable run
/// journals and how it rebuilds the same turn, and what the prompt says.
/// </summary>
/// <remarks>Stateless; thread-safe.</remarks>
public static class CodeFormats
{
    /// <summary>The name of the one function of <see cref="CodeFormat.ToolCall"/>.</summary>
    public const string ExecuteCodeFunction = "execute_code";

    private static readonly JsonDocumentOptions LenientJson = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    private static readonly JsonSerializerOptions JournalJson = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>The JSON schema of a <see cref="CodeFormat.Json"/> answer: <c>{"thought": string, "code": string}</c>, both required.</summary>
    public static JsonElement StepSchema { get; } = JsonDocument.Parse("""
        {"type":"object","properties":{"thought":{"type":"string","description":"Your brief reasoning about the next step."},"code":{"type":"string","description":"The code to run, as plain source without Markdown fences; an empty string when there is nothing to run."}},"required":["thought","code"],"additionalProperties":false}
        """).RootElement.Clone();

    /// <summary>The JSON schema of <see cref="ExecuteCodeFunction"/>'s parameters: <c>{"code": string}</c>.</summary>
    public static JsonElement ExecuteCodeSchema { get; } = JsonDocument.Parse("""
        {"type":"object","properties":{"code":{"type":"string","description":"The code to run, as plain source without Markdown fences."}},"required":["code"],"additionalProperties":false}
        """).RootElement.Clone();

    /// <summary>Returns the chat options of a call in <paramref name="format"/>: a copy of <paramref name="options"/> with the response format or the function it needs.</summary>
    /// <param name="format">The format.</param>
    /// <param name="options">The host's options; not changed.</param>
    /// <param name="language">The language the code is written in.</param>
    public static ChatOptions? Prepare(CodeFormat format, ChatOptions? options, CodeLanguage language)
    {
        ArgumentNullException.ThrowIfNull(language);
        var prepared = options?.Clone();
        switch (format)
        {
            case CodeFormat.Json:
                prepared ??= new ChatOptions();
                prepared.ResponseFormat = ChatResponseFormat.ForJsonSchema(StepSchema, "code_step", $"One step: your reasoning and the {language.Name} code to run.");
                break;
            case CodeFormat.ToolCall:
                prepared ??= new ChatOptions();
                prepared.Tools = [.. (prepared.Tools ?? []).Where(t => t.Name != ExecuteCodeFunction), AIFunctionFactory.CreateDeclaration(ExecuteCodeFunction, $"Runs {language.Name} code in the sandbox and returns what it printed, its value or its error. State persists between calls.", ExecuteCodeSchema)];
                break;
        }

        return prepared;
    }

    /// <summary>Reads the model's answer into a turn of <paramref name="format"/>.</summary>
    /// <param name="format">The format the model was asked for.</param>
    /// <param name="messages">The model's messages (a <see cref="ChatResponse"/>'s).</param>
    /// <param name="usage">The response's usage, if known.</param>
    public static ModelTurn Parse(CodeFormat format, IReadOnlyList<ChatMessage> messages, UsageDetails? usage = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = string.Concat(messages.Select(m => m.Text));
        return format switch
        {
            CodeFormat.Json => ParseJson(text) with { Usage = usage },
            // Read back from what the journal holds, so that a live turn and its replay are the same turn.
            CodeFormat.ToolCall => Restore(nameof(CodeFormat.ToolCall), ToolJournal(text, [.. messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>()])) with { Usage = usage },
            _ => new ModelTurn(text, CodeBlockExtractor.Extract(text), usage),
        };
    }

    /// <summary>Rebuilds a journaled turn (<see cref="ModelTurn.JournalText"/> and the format's name) exactly as it was read live.</summary>
    /// <param name="format">The journaled format's name; <see langword="null"/> for fenced code.</param>
    /// <param name="journalText">The journaled text.</param>
    /// <exception cref="CheckpointCorruptException">The format is unknown, or the text is not what that format journals.</exception>
    public static ModelTurn Restore(string? format, string journalText)
    {
        ArgumentNullException.ThrowIfNull(journalText);
        if (format is null || format == nameof(CodeFormat.Fenced))
        {
            return new ModelTurn(journalText, CodeBlockExtractor.Extract(journalText));
        }

        if (format == nameof(CodeFormat.Json))
        {
            return ParseJson(journalText);
        }

        if (format != nameof(CodeFormat.ToolCall))
        {
            throw new CheckpointCorruptException($"A journaled model turn has the unknown format '{format}'; this version reads Fenced, Json and ToolCall.");
        }

        try
        {
            var journaled = JsonSerializer.Deserialize<JournaledToolTurn>(journalText, JournalJson)!;
            var calls = journaled.Calls.Select(c => c.Error is null
                ? new FunctionCallContent(c.CallId, c.Name, c.Arguments)
                : new FunctionCallContent(c.CallId, c.Name) { Exception = new InvalidOperationException(c.Error) }).ToList();
            return ParseToolCall(journaled.Text, calls);
        }
        catch (JsonException e)
        {
            throw new CheckpointCorruptException($"A journaled tool-call turn cannot be read ({e.Message}).", e);
        }
    }

    /// <summary>What a step says when the turn held no code, in the turn's format.</summary>
    internal static string NoCode(CodeFormat format, CodeLanguage language) => format switch
    {
        CodeFormat.Json => $$"""Your answer had no code, so nothing ran. Answer with one JSON object {"thought": "...", "code": "..."} whose code is the {{language.Name}} to run; when you have the answer, call final_answer(value) in the code.""",
        CodeFormat.ToolCall => $"Your answer called no function, so nothing ran. Call {ExecuteCodeFunction} with the {language.Name} code to run; when you have the answer, call final_answer(value) in the code.",
        _ => $"Your answer had no code block, so nothing ran. Write {language.Name} code in a ```{FenceTag(language)} block; when you have the answer, call final_answer(value) in the code.",
    };

    /// <summary>The prompt's sentence saying how each answer hands over its code.</summary>
    internal static string HowToAnswer(CodeFormat format, CodeLanguage language) => format switch
    {
        CodeFormat.Json => $$"""Each of your answers is one JSON object {"thought": "...", "code": "..."}: your brief reasoning, and the {{language.Name}} code to run as a JSON string (plain source, no Markdown fences).""",
        CodeFormat.ToolCall => $"In each answer, call the function {ExecuteCodeFunction} once, with the {language.Name} code to run as its code argument (plain source, no Markdown fences).",
        _ => $"Each of your answers must contain one ```{FenceTag(language)} code block.",
    };

    /// <summary>The prompt's first rule of a step.</summary>
    internal static string WriteTheCode(CodeFormat format, CodeLanguage language) => format switch
    {
        CodeFormat.Json => "Think briefly about the next step (thought), then write the code (code).",
        CodeFormat.ToolCall => $"Think briefly about the next step, then call {ExecuteCodeFunction} with the code.",
        _ => $"Think briefly about the next step, then write the code in a ```{FenceTag(language)} block.",
    };

    /// <summary>The prompt's rule about where code goes.</summary>
    internal static string WhereCodeGoes(CodeFormat format, CodeLanguage language) => format switch
    {
        CodeFormat.Json => $"The code field holds {language.Name} only; it runs as it is.",
        CodeFormat.ToolCall => $"The code argument holds {language.Name} only; it runs as it is. The observation comes back as the call's result.",
        _ => $"Write code only in ```{FenceTag(language)} blocks; blocks in other languages are not run.",
    };

    private static string FenceTag(CodeLanguage language) => language.FenceTags.Count > 0 ? language.FenceTags[0] : "";

    private static ModelTurn ParseJson(string text)
    {
        ModelTurn Broken(string why) => new(text, []) { Format = CodeFormat.Json, FormatError = why + """ Answer with exactly one JSON object {"thought": "...", "code": "..."}, the code as a JSON string (newlines written as \n).""" };

        var trimmed = text.Trim().TrimStart('\uFEFF');
        string? json = null;
        if (trimmed.Length > 0 && trimmed[0] is '{' or '[' or '"')
        {
            json = trimmed;
        }
        else if (CodeBlockExtractor.Extract(trimmed) is { Count: > 0 } fenced)
        {
            if (fenced.FirstOrDefault(b => b.Code.TrimStart().StartsWith('{')) is { } jsonBlock)
            {
                json = jsonBlock.Code;
            }
            else
            {
                // The model ignored the response format and answered in Markdown: its fenced code is still its code.
                return new ModelTurn(text, fenced) { Format = CodeFormat.Json };
            }
        }
        else if (trimmed.IndexOf('{', StringComparison.Ordinal) is var brace and >= 0)
        {
            json = trimmed[brace..];
        }

        if (json is null)
        {
            return Broken("Your answer holds no JSON object, so nothing ran.");
        }

        JsonDocument document;
        try
        {
            document = ParseFirstValue(json);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" (line {line + 1}, position {e.BytePositionInLine + 1})" : "";
            return Broken($"Your answer is not valid JSON{where}: {ShortJsonMessage(e)}; nothing ran.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.String && root.GetString() is { } inner && inner.TrimStart().StartsWith('{'))
            {
                // The object encoded as a JSON string (encoded twice).
                return ParseJson(inner) with { Text = text };
            }

            if (root.ValueKind != JsonValueKind.Object)
            {
                return Broken($"Your answer is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object, so nothing ran.");
            }

            if (!TryGetProperty(root, "code", out var codeElement))
            {
                return Broken("Your JSON answer has no \"code\" property, so nothing ran.");
            }

            string? code = codeElement.ValueKind switch
            {
                JsonValueKind.String => codeElement.GetString(),
                JsonValueKind.Null => "",
                JsonValueKind.Array when codeElement.EnumerateArray().All(l => l.ValueKind == JsonValueKind.String) => string.Join("\n", codeElement.EnumerateArray().Select(l => l.GetString())),
                _ => null,
            };
            if (code is null)
            {
                return Broken($"The \"code\" of your JSON answer is a {codeElement.ValueKind.ToString().ToLowerInvariant()}, not a string, so nothing ran.");
            }

            code = Unfence(code);
            return new ModelTurn(text, string.IsNullOrWhiteSpace(code) ? [] : [new CodeBlock("", code)]) { Format = CodeFormat.Json };
        }
    }

    /// <summary>
    /// Parses the first JSON value of <paramref name="json"/>, ignoring what follows it (prose after the object). A value
    /// whose strings hold raw line breaks or tabs, which models often write, is read as if they were escaped.
    /// </summary>
    /// <exception cref="JsonException">The text does not start with a complete JSON value, even so.</exception>
    private static JsonDocument ParseFirstValue(string json)
    {
        try
        {
            return ParseFirstValueStrict(json);
        }
        catch (JsonException) when (EscapeControlCharacters(json) is { } repaired && !ReferenceEquals(repaired, json))
        {
            try
            {
                return ParseFirstValueStrict(repaired);
            }
            catch (JsonException)
            {
                // Report the error of the text as the model wrote it.
            }

            throw;
        }
    }

    private static JsonDocument ParseFirstValueStrict(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read())
        {
            throw new JsonException("The answer is empty.", null, 0, 0);
        }

        reader.Skip();
        return JsonDocument.Parse(bytes.AsMemory(0, (int)reader.BytesConsumed), LenientJson);
    }

    /// <summary>The text with raw control characters inside JSON strings escaped; the same instance when there are none.</summary>
    private static string EscapeControlCharacters(string json)
    {
        StringBuilder? repaired = null;
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString && c == '\\' && i + 1 < json.Length)
            {
                repaired?.Append(c).Append(json[i + 1]);
                i++;
                continue;
            }

            if (c == '"')
            {
                inString = !inString;
            }
            else if (inString && c < ' ')
            {
                repaired ??= new StringBuilder(json, 0, i, json.Length + 16);
                repaired.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => $"\\u{(int)c:x4}" });
                continue;
            }

            repaired?.Append(c);
        }

        return repaired?.ToString() ?? json;
    }

    private static string ShortJsonMessage(JsonException e)
    {
        var message = e.Message;
        foreach (var marker in (string[])[" Path:", " LineNumber:"])
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }
        }

        return message.TrimEnd('.', ' ');
    }

    private static string ToolJournal(string text, IReadOnlyList<FunctionCallContent> calls) => JsonSerializer.Serialize(
        new JournaledToolTurn(text, [.. calls.Select(c => new JournaledToolTurnCall(c.CallId, c.Name, c.Exception is null ? c.Arguments : null, c.Exception?.Message))]),
        JournalJson);

    private static ModelTurn ParseToolCall(string text, IReadOnlyList<FunctionCallContent> calls)
    {
        var journal = ToolJournal(text, calls);
        var assistant = new List<AIContent>();
        if (text.Length > 0)
        {
            assistant.Add(new TextContent(text));
        }

        assistant.AddRange(calls.Select(c => c.Exception is null
            ? new FunctionCallContent(c.CallId, c.Name, c.Arguments)
            : new FunctionCallContent(c.CallId, c.Name) { Exception = c.Exception }));
        IReadOnlyList<ChatMessage> messages = [new ChatMessage(ChatRole.Assistant, assistant)];

        if (calls.Count == 0)
        {
            // A model that wrote fenced code instead of calling the function: run it, and answer with a user message.
            return new ModelTurn(text, CodeBlockExtractor.Extract(text)) { Format = CodeFormat.ToolCall, Messages = messages, JournalText = journal };
        }

        var blocks = new List<CodeBlock>();
        var errors = new List<string>();
        foreach (var call in calls)
        {
            var name = NormalizeName(call.Name);
            if (name != ExecuteCodeFunction)
            {
                errors.Add($"You called '{call.Name}', which does not exist: the only function is {ExecuteCodeFunction}(code). Call it with the code, and call any tool from inside the code.");
            }
            else if (call.Exception is { } exception)
            {
                errors.Add($"The arguments of your {ExecuteCodeFunction} call could not be read ({exception.Message}). Pass one JSON object {{\"code\": \"...\"}}.");
            }
            else if (CodeArgument(call.Arguments) is { } code)
            {
                blocks.Add(new CodeBlock("", code));
            }
            else
            {
                errors.Add($"Your {ExecuteCodeFunction} call has no \"code\" argument (it had {(call.Arguments is { Count: > 0 } a ? string.Join(", ", a.Keys.Select(k => $"'{k}'")) : "none")}). Pass the code as {{\"code\": \"...\"}}.");
            }
        }

        var shown = new StringBuilder(text);
        foreach (var block in blocks)
        {
            shown.Append(shown.Length > 0 ? "\n" : "").Append($"{ExecuteCodeFunction}:\n```\n{block.Code}\n```");
        }

        return new ModelTurn(shown.ToString(), errors.Count > 0 ? [] : blocks)
        {
            Format = CodeFormat.ToolCall,
            Messages = messages,
            CallIds = [.. calls.Select(c => c.CallId)],
            FormatError = errors.Count > 0 ? string.Join("\n", errors) + " Nothing ran." : null,
            JournalText = journal,
        };
    }

    /// <summary>The function's name without a <c>functions.</c> namespace or blanks, as some models and servers send it.</summary>
    private static string NormalizeName(string name)
    {
        var trimmed = name.Trim();
        var dot = trimmed.LastIndexOf('.');
        return dot >= 0 ? trimmed[(dot + 1)..] : trimmed;
    }

    /// <summary>
    /// The code of a call's arguments: <c>code</c> (any case), else the only argument when it is a string; a string that
    /// is itself a JSON object with <c>code</c> (arguments encoded twice) is unwrapped; a fence around the code is removed.
    /// </summary>
    private static string? CodeArgument(IDictionary<string, object?>? arguments)
    {
        if (arguments is null || arguments.Count == 0)
        {
            return null;
        }

        var value = arguments.FirstOrDefault(a => string.Equals(a.Key, "code", StringComparison.OrdinalIgnoreCase)).Value
            ?? (arguments.Count == 1 ? arguments.First().Value : null);
        var code = value switch
        {
            string s => s,
            JsonElement { ValueKind: JsonValueKind.String } e => e.GetString(),
            JsonElement { ValueKind: JsonValueKind.Object } e when TryGetProperty(e, "code", out var inner) && inner.ValueKind == JsonValueKind.String => inner.GetString(),
            _ => null,
        };
        if (code is not null && code.TrimStart().StartsWith('{') && code.Contains("\"code\"", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                using var twice = JsonDocument.Parse(code);
                if (twice.RootElement.ValueKind == JsonValueKind.Object && TryGetProperty(twice.RootElement, "code", out var inner) && inner.ValueKind == JsonValueKind.String)
                {
                    code = inner.GetString();
                }
            }
            catch (JsonException)
            {
                // Code that happens to start with a brace and mention "code": keep it as it is.
            }
        }

        return code is null || string.IsNullOrWhiteSpace(code) ? null : Unfence(code);
    }

    /// <summary>The code inside a Markdown fence, when a model put one inside the JSON string; otherwise the code itself.</summary>
    private static string Unfence(string code)
    {
        var trimmed = code.Trim();
        if ((trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            && CodeBlockExtractor.Extract(trimmed) is [var only])
        {
            return only.Code;
        }

        return code.Trim('\n', '\r');
    }

    private static bool TryGetProperty(JsonElement element, string name, out JsonElement value)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private sealed record JournaledToolTurn(string Text, IReadOnlyList<JournaledToolTurnCall> Calls);

    private sealed record JournaledToolTurnCall(string CallId, string Name, IDictionary<string, object?>? Arguments, string? Error);
}
