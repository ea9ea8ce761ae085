using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace CodeActSdk.Cli.Commands;

/// <summary>Options shared by the commands, with validation that turns bad input into one clear usage error.</summary>
internal static class CliOptions
{
    /// <summary>The <c>--isolation</c> value for <see cref="SandboxIsolation.InProcess"/>.</summary>
    public const string IsolationInProcess = "inprocess";

    /// <summary>The <c>--isolation</c> value for <see cref="SandboxIsolation.Process"/>.</summary>
    public const string IsolationProcess = "process";

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

    /// <summary>
    /// <c>--isolation &lt;inprocess|process&gt;</c>, default <c>inprocess</c>: where the sandbox runs. Any other value is
    /// a usage error.
    /// </summary>
    public static Option<SandboxIsolation> Isolation()
    {
        var option = new Option<SandboxIsolation>("--isolation")
        {
            Description = "Where the sandbox runs: inprocess (in this process, the default) or process (in a worker process of its own, " +
                "with a cleared environment, a private empty folder and, where the machine allows, no network and kernel resource limits).",
            HelpName = "inprocess|process",
            DefaultValueFactory = _ => SandboxIsolation.InProcess,

            // A custom parser rather than the enum binder: that one also takes "0", "1" and "Process,InProcess", and
            // its error message does not list the values.
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 0 ? "" : result.Tokens[^1].Value;
                switch (text.Trim().ToLowerInvariant())
                {
                    case IsolationInProcess:
                        return SandboxIsolation.InProcess;
                    case IsolationProcess:
                        return SandboxIsolation.Process;
                    default:
                        result.AddError(text.Length == 0
                            ? "--isolation needs a value; use --isolation inprocess or --isolation process."
                            : $"Unknown isolation '{text}'; use --isolation inprocess or --isolation process.");
                        return SandboxIsolation.InProcess;
                }
            },
        };
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

    /// <summary><c>--mount NAME=DIR[:ro|:rw]</c>, repeatable: host folders the code may reach (read-only unless <c>:rw</c>).</summary>
    public static Option<string[]> Mounts()
    {
        var option = new Option<string[]>("--mount")
        {
            Description = "Let the code reach a host folder as NAME/ (read-only; add :rw to let it write). Repeat for several folders.",
            HelpName = "NAME=DIR[:ro|:rw]",
        };
        option.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                try
                {
                    ParseMount(token.Value);
                }
                catch (FormatException e)
                {
                    result.AddError($"--mount: {e.Message}");
                }
            }
        });
        return option;
    }

    /// <summary>Turns <c>NAME=DIR[:ro|:rw]</c> into a mount.</summary>
    /// <exception cref="FormatException">The value is malformed, the name is not a plain folder name, or the folder does not exist.</exception>
    public static FileMount ParseMount(string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == value.Length - 1)
        {
            throw new FormatException($"'{value}' is not NAME=DIR[:ro|:rw], for example data=./sales:ro.");
        }

        var name = value[..equals].Trim();
        var path = value[(equals + 1)..];
        var access = MountAccess.ReadOnly;
        if (path.EndsWith(":rw", StringComparison.Ordinal) || path.EndsWith(":ro", StringComparison.Ordinal))
        {
            access = path.EndsWith(":rw", StringComparison.Ordinal) ? MountAccess.ReadWrite : MountAccess.ReadOnly;
            path = path[..^3];
        }

        if (!Directory.Exists(path))
        {
            throw new FormatException($"the folder '{path}' of mount '{name}' does not exist.");
        }

        try
        {
            return new FileMount(name, Path.GetFullPath(path), access).Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message.Split(" (Parameter", 2)[0], e);
        }
    }

    /// <summary><c>--out DIR</c>: where the artifacts the code wrote under out/ are saved.</summary>
    public static Option<DirectoryInfo?> OutDirectory() => new("--out")
    {
        Description = "Save the files the code wrote under out/ (tables, reports, .vl.json charts) into DIR, which is created if needed.",
        HelpName = "DIR",
    };

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
