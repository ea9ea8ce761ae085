namespace CodeActSdk;

/// <summary>How an interpreter's language is presented to the model and recognised in its answers.</summary>
/// <param name="Name">The language's name, for example <c>JavaScript</c>.</param>
/// <param name="Dialect">What exactly is supported, for example <c>ECMAScript 2023 (no top-level await)</c>.</param>
/// <param name="FenceTags">The code-fence tags that mean this language (lower case), for example <c>js</c> and <c>javascript</c>. The first is the one the model is asked to use.</param>
/// <param name="Guidance">Language-specific rules for the prompt: how to print, how to return a value, what is unavailable.</param>
public sealed record CodeLanguage(string Name, string Dialect, IReadOnlyList<string> FenceTags, string Guidance)
{
    /// <summary>Whether a code fence tagged <paramref name="tag"/> is written in this language.</summary>
    public bool Matches(string tag) => FenceTags.Contains(tag.Trim().ToLowerInvariant());
}
