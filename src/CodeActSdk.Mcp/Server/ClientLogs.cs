using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

// MCP logging is deprecated as of the 2026-07-28 specification, but hosts of the current versions (and the TypeScript
// SDK) still use it, and it is how a host shows what a server is doing; kept until the SDK drops it.
#pragma warning disable MCP9005

namespace CodeActSdk.Mcp.Server;

/// <summary>The server's log: the host's logger, and every connected client that asked for log messages. Thread-safe.</summary>
internal sealed class ClientLogs(ILogger host) : ILogger
{
    private ClientLogger[] _clients = [];

    public void Add(ClientLogger client) => ImmutableUpdate(clients => [.. clients, client]);

    public void Remove(ClientLogger client) => ImmutableUpdate(clients => [.. clients.Where(c => c != client)]);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => host.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => host.IsEnabled(logLevel) || Volatile.Read(ref _clients).Any(c => c.IsEnabled(logLevel));

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        host.Log(logLevel, eventId, state, exception, formatter);
        foreach (var client in Volatile.Read(ref _clients))
        {
            client.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    private void ImmutableUpdate(Func<ClientLogger[], ClientLogger[]> update)
    {
        ClientLogger[] before, after;
        do
        {
            before = Volatile.Read(ref _clients);
            after = update(before);
        }
        while (Interlocked.CompareExchange(ref _clients, after, before) != before);
    }
}

/// <summary>
/// Sends log messages to one MCP client as <c>notifications/message</c>, at or above the level it set with
/// <c>logging/setLevel</c>; nothing before it sets one.
/// </summary>
internal sealed class ClientLogger(McpServer server) : ILogger
{
    /// <summary>The logger name the client sees.</summary>
    public const string Name = "codeact";

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) =>
        logLevel != LogLevel.None && server.LoggingLevel is { } wanted && ToMcp(logLevel) >= wanted;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var message = formatter(state, exception);
        if (exception is not null)
        {
            // The message and the exception's own message, never its stack trace.
            message += $" ({exception.GetType().Name}: {exception.Message})";
        }

        var notification = new LoggingMessageNotificationParams
        {
            Level = ToMcp(logLevel),
            Logger = Name,
            Data = System.Text.Json.JsonSerializer.SerializeToElement(message),
        };

        // Fire and forget: logging must never hold up or fail the work it describes.
        _ = SendAsync(notification);
    }

    private async Task SendAsync(LoggingMessageNotificationParams notification)
    {
        try
        {
            await server.SendNotificationAsync(NotificationMethods.LoggingMessageNotification, notification).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The client went away; there is nobody left to tell.
        }
    }

    private static LoggingLevel ToMcp(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => LoggingLevel.Debug,
        LogLevel.Information => LoggingLevel.Info,
        LogLevel.Warning => LoggingLevel.Warning,
        LogLevel.Error => LoggingLevel.Error,
        _ => LoggingLevel.Critical,
    };
}
