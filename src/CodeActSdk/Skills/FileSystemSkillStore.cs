using System.Text;
using System.Text.Json;

namespace CodeActSdk;

/// <summary>
/// Skills as JSON files in a folder, one per skill: <c>{language}/{name}.json</c> (the language made a safe folder name,
/// <c>C#</c> becoming <c>csharp</c>). Files are written to a temporary name and then moved, so a reader never sees
/// half a file. A file that is not valid JSON, lacks a field, is larger than 1 MiB or disagrees with its own name is
/// reported as a <see cref="SkillStoreException"/> naming it; nothing outside the folder is ever read or written.
/// Thread-safe, also across processes sharing the folder.
/// </summary>
public sealed class FileSystemSkillStore : ISkillStore
{
    private const long MaxFileBytes = 1024 * 1024;
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly string _root;

    /// <summary>Keeps skills under <paramref name="folder"/>, which is created when missing.</summary>
    public FileSystemSkillStore(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        _root = Path.GetFullPath(folder);
        Directory.CreateDirectory(_root);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Skill>> ListAsync(string language, CancellationToken cancellationToken = default)
    {
        var folder = Folder(language);
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var skills = new List<Skill>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            skills.Add(await ReadAsync(file, language, cancellationToken).ConfigureAwait(false));
        }

        return skills;
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(Skill skill, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(skill);
        skill.Validate();
        var folder = Folder(skill.Language);
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, skill.Name + ".json");
        var temporary = file + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(skill, Json), new UTF8Encoding(false), cancellationToken).ConfigureAwait(false);
        File.Move(temporary, file, overwrite: true);
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string language, string name, CancellationToken cancellationToken = default)
    {
        if (!Skill.IsValidName(name))
        {
            throw new ArgumentException($"The skill name '{name}' is not a plain identifier.", nameof(name));
        }

        var file = Path.Combine(Folder(language), name + ".json");
        if (!File.Exists(file))
        {
            return ValueTask.FromResult(false);
        }

        File.Delete(file);
        return ValueTask.FromResult(true);
    }

    private string Folder(string language)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(language);
        var safe = new string([.. language.Replace("#", "sharp", StringComparison.Ordinal).ToLowerInvariant().Where(char.IsAsciiLetterOrDigit)]);
        return Path.Combine(_root, safe.Length == 0 ? "other" : safe);
    }

    private static async Task<Skill> ReadAsync(string file, string language, CancellationToken cancellationToken)
    {
        var info = new FileInfo(file);
        if (info.Length > MaxFileBytes || info.LinkTarget is not null)
        {
            throw new SkillStoreException($"The skill file '{file}' is {(info.LinkTarget is not null ? "a link" : $"{info.Length:N0} bytes (the limit is {MaxFileBytes:N0})")}; skill files must be plain files.");
        }

        Skill? skill;
        try
        {
            skill = JsonSerializer.Deserialize<Skill>(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false));
        }
        catch (JsonException e)
        {
            throw new SkillStoreException($"The skill file '{file}' is not valid skill JSON: {e.Message}", e);
        }

        try
        {
            skill = (skill ?? throw new ArgumentException("it is empty")).Validate();
        }
        catch (ArgumentException e)
        {
            throw new SkillStoreException($"The skill file '{file}' is invalid: {e.Message}", e);
        }

        if (skill.Language != language || skill.Name + ".json" != Path.GetFileName(file))
        {
            throw new SkillStoreException($"The skill file '{file}' holds the skill '{skill.Name}' in {skill.Language}, which does not match its file name and folder.");
        }

        return skill;
    }
}
