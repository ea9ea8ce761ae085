using System.Text.RegularExpressions;

namespace CodeActSdk;

/// <summary>
/// Code that worked once, saved to be reused: a named function in one language, loaded into new sessions before the
/// model's first step and listed for the model with its signature and description.
/// </summary>
/// <param name="Name">The function's name, a plain identifier (letters, digits, underscores; not starting with a digit).</param>
/// <param name="Language">The language of the code, as <see cref="CodeLanguage.Name"/> says it (<c>JavaScript</c>, <c>C#</c>).</param>
/// <param name="Signature">How to call it, for the model: <c>grossMargin(order)</c>.</param>
/// <param name="Description">What it does and returns.</param>
/// <param name="Code">The source that defines the function (and anything it needs) when run in a session.</param>
public sealed partial record Skill(string Name, string Language, string Signature, string Description, string Code)
{
    /// <summary>The longest code a skill may have, in characters.</summary>
    public const int MaxCodeChars = 100_000;

    /// <summary>Whether <paramref name="name"/> is a valid skill name.</summary>
    public static bool IsValidName(string? name) => name is not null && IdentifierPattern().IsMatch(name);

    /// <summary>Checks the skill; the message says what is wrong.</summary>
    /// <exception cref="ArgumentException">A field is empty, the name is not an identifier, or the code is too long.</exception>
    public Skill Validate()
    {
        if (!IsValidName(Name))
        {
            throw new ArgumentException($"The skill name '{Name}' is not a plain identifier (letters, digits and underscores, not starting with a digit, at most 64 characters).", nameof(Name));
        }

        if (string.IsNullOrWhiteSpace(Language) || string.IsNullOrWhiteSpace(Signature) || string.IsNullOrWhiteSpace(Description) || string.IsNullOrWhiteSpace(Code))
        {
            throw new ArgumentException($"The skill '{Name}' needs a language, a signature, a description and code.");
        }

        if (Code.Length > MaxCodeChars)
        {
            throw new ArgumentException($"The code of the skill '{Name}' is {Code.Length:N0} characters; the limit is {MaxCodeChars:N0}.", nameof(Code));
        }

        return this;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
    private static partial Regex IdentifierPattern();
}
