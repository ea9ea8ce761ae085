namespace CodeActSdk.Durability.Tests;

/// <summary>Reads the effects log the crash host's <c>record</c> tool appends to: one item per line.</summary>
internal static class EffectsLog
{
    /// <summary>The whole lines of the log, in order; none when it does not exist yet.</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        string text;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text = reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return [];
        }

        // A line still being written has no newline yet; it does not count until it has one.
        var end = text.LastIndexOf('\n');
        return end < 0 ? [] : text[..end].Split('\n');
    }
}
