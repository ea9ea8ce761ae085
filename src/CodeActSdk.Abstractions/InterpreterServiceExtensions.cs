namespace CodeActSdk;

/// <summary>Typed forms of <see cref="ICodeInterpreter.GetService"/> and <see cref="IInterpreterSession.GetService"/>.</summary>
public static class InterpreterServiceExtensions
{
    /// <summary>Asks <paramref name="interpreter"/> for an object of type <typeparamref name="TService"/> (see <see cref="ICodeInterpreter.GetService"/>).</summary>
    /// <typeparam name="TService">The type of object asked for.</typeparam>
    /// <param name="interpreter">The interpreter (or decorator chain) to ask.</param>
    /// <param name="serviceKey">An optional key that narrows the request.</param>
    /// <returns>The object, or <see langword="null"/> when the interpreter offers none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="interpreter"/> is <see langword="null"/>.</exception>
    public static TService? GetService<TService>(this ICodeInterpreter interpreter, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        return interpreter.GetService(typeof(TService), serviceKey) is TService service ? service : default;
    }

    /// <summary>Asks <paramref name="session"/> for an object of type <typeparamref name="TService"/> (see <see cref="IInterpreterSession.GetService"/>).</summary>
    /// <typeparam name="TService">The type of object asked for.</typeparam>
    /// <param name="session">The session (or decorator chain) to ask.</param>
    /// <param name="serviceKey">An optional key that narrows the request.</param>
    /// <returns>The object, or <see langword="null"/> when the session offers none.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="session"/> is <see langword="null"/>.</exception>
    public static TService? GetService<TService>(this IInterpreterSession session, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.GetService(typeof(TService), serviceKey) is TService service ? service : default;
    }
}
