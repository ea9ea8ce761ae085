using System.ComponentModel;

namespace CodeActSdk.Roslyn.Runtime;

/// <summary>
/// Hands a session's variables to the state prelude while it initialises: the prelude is generated code that calls
/// <see cref="Get"/> once per variable to bind its typed cell. Sandboxed code cannot call it (the policy denies this
/// namespace); it reads only the calling session's own cells, on the session's sandbox thread.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ReplCells
{
    [ThreadStatic]
    private static object[]? t_cells;

    /// <summary>The cell of the variable at <paramref name="index"/> in the prelude being initialised.</summary>
    /// <exception cref="InvalidOperationException">No prelude is being initialised on this thread.</exception>
    public static object Get(int index) =>
        (t_cells ?? throw new InvalidOperationException("The session's variables can only be read while its state prelude initialises."))[index];

    /// <summary>Makes <paramref name="cells"/> readable on this thread until the returned scope is disposed.</summary>
    internal static Scope Provide(object[] cells)
    {
        t_cells = cells;
        return default;
    }

    /// <summary>Ends a <see cref="Provide"/>.</summary>
    internal readonly struct Scope : IDisposable
    {
        public void Dispose() => t_cells = null;
    }
}
