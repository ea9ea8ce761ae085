using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeActSdk.Files;

/// <summary>
/// The <c>files</c> object of the JavaScript backends. A backend defines one global host function under
/// <see cref="HostFunctionName"/> that passes its arguments as JSON to <see cref="Invoke"/>, then runs
/// <see cref="InstallScript"/>: an ES5 script that wraps the host function in a frozen <c>files</c> object and removes
/// the host function's global name. The script holds only what every backend shares; the backends differ only in how
/// a call reaches <see cref="Invoke"/>.
/// </summary>
public static class JavaScriptFiles
{
    /// <summary>The global the backend defines for <see cref="InstallScript"/>; the script deletes it.</summary>
    public const string HostFunctionName = "__codeact_files";

    /// <summary>The global the script installs.</summary>
    public const string GlobalName = "files";

    /// <summary>Installs <c>files</c> from the host function <see cref="HostFunctionName"/>, and removes that name.</summary>
    public const string InstallScript = """
        (function (global, host) {
          'use strict';
          var parse = JSON.parse, stringify = JSON.stringify, isArray = Array.isArray;
          function bytesOf(bytes) {
            if (isArray(bytes)) return bytes;
            if (bytes === null || typeof bytes !== 'object' || typeof bytes.length !== 'number') {
              throw new TypeError('files.writeBytes: bytes must be an array (or typed array) of numbers from 0 to 255');
            }
            var copy = [];
            for (var i = 0; i < bytes.length; i++) copy[i] = bytes[i];
            return copy;
          }
          var files = {
            readText: function readText(path) { return host('readText', path); },
            writeText: function writeText(path, text) { return host('writeText', path, text); },
            readBytes: function readBytes(path) { return host('readBytes', path); },
            writeBytes: function writeBytes(path, bytes) { return host('writeBytes', path, bytesOf(bytes)); },
            readCsv: function readCsv(path) { return host('readCsv', path); },
            writeCsv: function writeCsv(path, rows) { return host('writeCsv', path, rows); },
            readJson: function readJson(path) {
              var text = host('readText', path);
              try { return parse(text); } catch (e) { throw new SyntaxError('files.readJson: ' + path + ' is not valid JSON (' + e.message + ')'); }
            },
            writeJson: function writeJson(path, value) { return host('writeText', path, stringify(value, null, 2)); },
            list: function list(path) { return host('list', path === undefined ? '' : path); },
            stat: function stat(path) { return host('stat', path); },
            exists: function exists(path) { return host('exists', path); },
            'delete': function remove(path) { return host('delete', path); }
          };
          Object.freeze(files);
          Object.defineProperty(global, 'files', { value: files, enumerable: false, writable: false, configurable: false });
        })(this, this.__codeact_files);
        delete this.__codeact_files;
        """;

    /// <summary>The <c>files</c> API as the model is told about it.</summary>
    public const string Documentation = """
        Files: the global `files` reads and writes this session's virtual file system. Paths are relative, with '/' between names ('data/sales.csv'); nothing else of the disk is reachable.
        - files.readText(path) → string; files.writeText(path, text)
        - files.readCsv(path) → array of row objects keyed by the header, every field a string (convert with Number(...)); files.writeCsv(path, rows)
        - files.readJson(path) → value; files.writeJson(path, value)
        - files.readBytes(path) → array of numbers 0–255; files.writeBytes(path, bytes)
        - files.list(path = '') → [{name, path, size, isDirectory, readOnly, modified}]; files.stat(path); files.exists(path) → boolean; files.delete(path) → boolean
        Write what the user should receive (tables, reports, charts as Vega-Lite specifications named *.vl.json) under out/: those files are returned as artifacts.
        """;

    /// <summary>
    /// Runs one call of the <c>files</c> object: <paramref name="call"/> is the operation's name followed by its
    /// arguments, as JSON. Returns the result as JSON text, which the backend hands to the engine to parse.
    /// </summary>
    /// <exception cref="SandboxFileException">The call was refused or failed; the message is for the code.</exception>
    public static string Invoke(SandboxFileSystem files, IReadOnlyList<JsonNode?> call)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(call);
        var operation = call.Count > 0 && call[0] is JsonValue op && op.GetValueKind() == JsonValueKind.String ? op.GetValue<string>() : "";
        string Path() => Text(call, 1, operation, "path");
        if (operation == "readBytes")
        {
            // Written as text directly: a node per byte would cost the host far more memory than the file.
            return BytesJson(files.ReadBytes(Path()));
        }

        JsonNode? result = operation switch
        {
            "readText" => files.ReadText(Path()),
            "writeText" => Entry(files.WriteText(Path(), Text(call, 2, operation, "text"))),
            "writeBytes" => Entry(files.WriteBytes(Path(), Bytes(call, operation))),
            "readCsv" => CsvTables.Parse(files.ReadText(Path()), Path()),
            "writeCsv" => Entry(files.WriteText(Path(), CsvTables.Write(call.Count > 2 && call[2] is JsonArray rows ? rows : throw Usage(operation, "rows must be an array of objects"), Path()))),
            "list" => new JsonArray([.. files.List(Path()).Select(Entry)]),
            "stat" => Entry(files.Stat(Path())),
            "exists" => files.Exists(Path()),
            "delete" => files.Delete(Path()),
            _ => throw new SandboxFileException($"files has no operation '{operation}'."),
        };
        return result?.ToJsonString() ?? "null";
    }

    private static string BytesJson(byte[] bytes)
    {
        var json = new StringBuilder((bytes.Length * 4) + 2).Append('[');
        for (var i = 0; i < bytes.Length; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            json.Append(bytes[i]);
        }

        return json.Append(']').ToString();
    }

    /// <summary>A file's description as the code sees it.</summary>
    public static JsonObject Entry(SandboxFileInfo info) => new()
    {
        ["name"] = info.Path.Length == 0 ? "" : info.Path[(info.Path.LastIndexOf('/') + 1)..],
        ["path"] = info.Path,
        ["size"] = info.Size,
        ["isDirectory"] = info.IsDirectory,
        ["readOnly"] = info.ReadOnly,
        ["modified"] = info.Modified == DateTimeOffset.MinValue ? null : info.Modified.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
    };

    private static string Text(IReadOnlyList<JsonNode?> call, int index, string operation, string name) =>
        call.Count > index && call[index] is JsonValue value && value.GetValueKind() == JsonValueKind.String
            ? value.GetValue<string>()
            : throw Usage(operation, $"{name} must be a string");

    private static byte[] Bytes(IReadOnlyList<JsonNode?> call, string operation)
    {
        if (call.Count <= 2 || call[2] is not JsonArray array)
        {
            throw Usage(operation, "bytes must be an array of numbers from 0 to 255");
        }

        var bytes = new byte[array.Count];
        for (var i = 0; i < array.Count; i++)
        {
            // Parsed from the JSON text, so that any numeric node (double, int, byte) reads the same way.
            bytes[i] = array[i] is JsonValue v && v.GetValueKind() == JsonValueKind.Number
                && decimal.TryParse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d is >= 0 and <= 255 && d == decimal.Truncate(d)
                ? (byte)d
                : throw Usage(operation, $"bytes[{i}] is not a number from 0 to 255");
        }

        return bytes;
    }

    private static SandboxFileException Usage(string operation, string what) => new($"files.{operation}: {what}.");
}
