namespace CodeActSdk;

/// <summary>Where saved <see cref="Skill"/>s live. Implementations are thread-safe.</summary>
public interface ISkillStore
{
    /// <summary>The skills written in <paramref name="language"/>, by name.</summary>
    /// <exception cref="SkillStoreException">A stored skill cannot be read; the message names it and says why.</exception>
    ValueTask<IReadOnlyList<Skill>> ListAsync(string language, CancellationToken cancellationToken = default);

    /// <summary>Saves <paramref name="skill"/>, replacing a skill of the same name and language.</summary>
    /// <exception cref="ArgumentException">The skill is invalid (see <see cref="Skill.Validate"/>).</exception>
    ValueTask SaveAsync(Skill skill, CancellationToken cancellationToken = default);

    /// <summary>Deletes a skill; returns whether there was one.</summary>
    ValueTask<bool> DeleteAsync(string language, string name, CancellationToken cancellationToken = default);
}

/// <summary>A stored skill cannot be read (a corrupt, oversized or tampered file); the message names it and says why.</summary>
public sealed class SkillStoreException(string message, Exception? inner = null) : Exception(message, inner);
