using System.Collections.Concurrent;

namespace CodeActSdk;

/// <summary>Skills kept in memory, for tests and single-process hosts. Thread-safe.</summary>
public sealed class InMemorySkillStore : ISkillStore
{
    private readonly ConcurrentDictionary<(string Language, string Name), Skill> _skills = new();

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Skill>> ListAsync(string language, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(language);
        IReadOnlyList<Skill> skills = [.. _skills.Values.Where(s => s.Language == language).OrderBy(s => s.Name, StringComparer.Ordinal)];
        return ValueTask.FromResult(skills);
    }

    /// <inheritdoc />
    public ValueTask SaveAsync(Skill skill, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(skill);
        skill.Validate();
        _skills[(skill.Language, skill.Name)] = skill;
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string language, string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_skills.TryRemove((language, name), out _));
}
