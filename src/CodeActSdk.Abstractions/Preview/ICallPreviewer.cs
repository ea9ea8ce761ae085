using Microsoft.Extensions.AI;

namespace CodeActSdk;

/// <summary>
/// Reads a step's code before it runs and lists the tool calls it can make (see <see cref="CallPreview"/>), so that a
/// reviewer can judge the step by what it will do. A backend announces its previewer through
/// <c>GetService(typeof(ICallPreviewer))</c> on its interpreter; decorators that forward <c>GetService</c> keep it visible.
/// </summary>
/// <remarks>
/// The preview is static: it reads the syntax tree (and, for C#, the semantic model) and runs nothing. Whatever lets the
/// code reach a tool without a call the preview can name is reported in <see cref="CallPreview.Dynamic"/>, so an empty
/// <see cref="CallPreview.Dynamic"/> means every tool call the step can make is in <see cref="CallPreview.Calls"/>.
/// Implementations are thread-safe.
/// </remarks>
public interface ICallPreviewer
{
    /// <summary>Previews the tool calls of <paramref name="code"/>, one step written in the backend's language.</summary>
    /// <param name="code">The step's code, as it would be executed.</param>
    /// <param name="tools">The tools the step can reach (the session's <see cref="SandboxOptions.Tools"/>).</param>
    /// <param name="cancellationToken">Cancels the preview.</param>
    /// <returns>The preview; code that does not parse gives a preview with <see cref="CallPreview.SyntaxError"/> set.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    CallPreview Preview(string code, IReadOnlyList<AIFunction> tools, CancellationToken cancellationToken = default);
}
