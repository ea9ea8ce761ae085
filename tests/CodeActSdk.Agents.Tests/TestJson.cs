using System.Text.Json.Serialization;

namespace CodeActSdk.Agents.Tests;

/// <summary>A value a host keeps in a session's state bag.</summary>
public sealed class Note
{
    /// <summary>The note.</summary>
    public string Text { get; set; } = "";
}

[JsonSerializable(typeof(Note))]
internal sealed partial class TestJson : JsonSerializerContext;
