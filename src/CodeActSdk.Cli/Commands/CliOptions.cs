using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace CodeActSdk.Cli.Commands;

/// <summary>Options shared by the commands, with validation that turns bad input into one clear usage error.</summary>
internal static class CliOptions
{
    /// <summary><c>--backend &lt;jint|v8|csharp&gt;</c>; any other name is a usage error.</summary>
    public static Option<string> Backend(bool required, string description)
    {
        var option = new Option<string>("--backend")
        {
            Description = description,
            HelpName = "jint|v8|csharp",
            Required = required,
        };
        if (!required)
        {
            option.DefaultValueFactory = _ => Backends.Jint;
        }

        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0)
            {
                return;
            }

            var name = result.Tokens[^1].Value.Trim().ToLowerInvariant();
            if (!Backends.Available.Contains(name))
            {
                result.AddError($"Unknown backend '{result.Tokens[^1].Value}'; use --backend {string.Join(", ", Backends.Available)}.");
            }
        });
        return option;
    }

    /// <summary>An option taking a whole number from 1 to <paramref name="max"/>, with a message naming the option when it is not one.</summary>
    public static Option<int?> PositiveInt(string name, string helpName, string description, int max) => new(name)
    {
        Description = description,
        HelpName = helpName,
        CustomParser = result => ParsePositive(result, name, max),
    };

    /// <summary>An option naming a file that must exist.</summary>
    public static Option<FileInfo?> ExistingFile(string name, string helpName, string description, string what)
    {
        var option = new Option<FileInfo?>(name) { Description = description, HelpName = helpName };
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0)
            {
                return;
            }

            var path = result.Tokens[^1].Value;
            if (Directory.Exists(path))
            {
                result.AddError($"The {what} '{path}' is a directory, not a file.");
            }
            else if (!File.Exists(path))
            {
                result.AddError($"The {what} '{path}' does not exist.");
            }
        });
        return option;
    }

    /// <summary>Whether <paramref name="result"/> holds a value its <see cref="PositiveInt"/> parser rejects (without reporting it twice).</summary>
    public static bool HasInvalidPositiveInt(OptionResult? result, string name, int max) =>
        result is not null && (result.Tokens.Count == 0 || Check(result.Tokens[^1].Value, name, max, out _) is not null);

    private static int? ParsePositive(ArgumentResult result, string name, int max)
    {
        if (result.Tokens.Count == 0)
        {
            result.AddError($"{name} needs a value.");
            return null;
        }

        if (Check(result.Tokens[^1].Value, name, max, out var value) is { } error)
        {
            result.AddError(error);
            return null;
        }

        return value;
    }

    private static string? Check(string text, string name, int max, out int value)
    {
        value = 0;
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return $"{name} must be a whole number, but was '{text}'.";
        }

        if (number <= 0)
        {
            return $"{name} must be positive, but was {number}.";
        }

        if (number > max)
        {
            return $"{name} must be at most {max.ToString("N0", CultureInfo.InvariantCulture)}, but was {number}.";
        }

        value = (int)number;
        return null;
    }
}
