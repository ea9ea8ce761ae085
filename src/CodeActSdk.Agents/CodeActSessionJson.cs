using System.Text.Json;
using Microsoft.Agents.AI;

namespace CodeActSdk.Agents;

/// <summary>
/// The serialised form of a <see cref="CodeActAgentSession"/>:
/// <c>{"kind":"codeact","sessionId":"…","runCount":n,"stateBag":{…}}</c>. Written by hand so that the form does not
/// depend on the host's serializer options, and read back with a message that names what is wrong.
/// </summary>
internal static class CodeActSessionJson
{
    private const string Kind = "codeact";

    public static JsonElement Serialize(CodeActAgentSession session)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("kind", Kind);
            writer.WriteString("sessionId", session.SessionId);
            writer.WriteNumber("runCount", session.RunCount);
            writer.WritePropertyName("stateBag");
            session.StateBag.Serialize().WriteTo(writer);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    public static CodeActAgentSession Deserialize(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw Invalid($"it is a JSON {json.ValueKind}, not an object");
        }

        if (!json.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != Kind)
        {
            throw Invalid("its \"kind\" is not \"codeact\"; it was probably written by another agent");
        }

        if (!json.TryGetProperty("sessionId", out var id) || id.ValueKind != JsonValueKind.String)
        {
            throw Invalid("it has no string \"sessionId\"");
        }

        if (!json.TryGetProperty("runCount", out var runs) || !runs.TryGetInt32(out var runCount) || runCount < 0)
        {
            throw Invalid("it has no \"runCount\" that is a whole number of at least 0");
        }

        string sessionId;
        try
        {
            sessionId = CodeActAgentSession.ValidateSessionId(id.GetString()!);
        }
        catch (ArgumentException e)
        {
            throw Invalid(e.Message);
        }

        var stateBag = json.TryGetProperty("stateBag", out var bag) && bag.ValueKind == JsonValueKind.Object
            ? AgentSessionStateBag.Deserialize(bag)
            : new AgentSessionStateBag();
        return new CodeActAgentSession(sessionId, runCount, stateBag);
    }

    private static ArgumentException Invalid(string reason) =>
        new($"The serialised session is not a CodeAct agent session: {reason}. Pass the JSON that CodeActAIAgent.SerializeSessionAsync returned.", "serializedState");
}
