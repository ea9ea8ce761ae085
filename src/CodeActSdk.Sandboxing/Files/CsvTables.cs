using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;

namespace CodeActSdk.Files;

/// <summary>
/// The CSV helpers of the sandbox's file API, on CsvHelper: a table is a list of rows, each a JSON object keyed by the
/// header. Reading keeps every field as a string (the code converts what it needs, so "01234" stays a postcode);
/// writing takes the columns in the order they first appear.
/// </summary>
public static class CsvTables
{
    // Reading recognises \n, \r\n and \r; setting NewLine would make the reader accept only that one.
    private static readonly CsvConfiguration ReadFormat = new(CultureInfo.InvariantCulture);
    private static readonly CsvConfiguration WriteFormat = new(CultureInfo.InvariantCulture) { NewLine = "\n" };

    /// <summary>Reads <paramref name="text"/> (the header first) into rows.</summary>
    /// <param name="text">The CSV text.</param>
    /// <param name="path">The file's path, for messages.</param>
    /// <exception cref="SandboxFileException">The text is not valid CSV, or a row has more fields than the header.</exception>
    public static JsonArray Parse(string text, string path)
    {
        var rows = new JsonArray();
        using var reader = new StringReader(text);
        using var parser = new CsvParser(reader, ReadFormat);
        try
        {
            if (!parser.Read())
            {
                return rows;
            }

            var header = Header(parser.Record ?? []);
            while (parser.Read())
            {
                var fields = parser.Record ?? [];
                if (fields is [""] && header.Length > 1)
                {
                    continue; // a blank line (in a one-column file, it is an empty field)
                }

                if (fields.Length > header.Length)
                {
                    throw new SandboxFileException($"Line {parser.RawRow:N0} of '{path}' has {fields.Length} fields but the header has {header.Length}.");
                }

                var row = new JsonObject();
                for (var i = 0; i < header.Length; i++)
                {
                    row[header[i]] = i < fields.Length ? fields[i] : null;
                }

                rows.Add(row);
            }
        }
        catch (CsvHelperException e)
        {
            throw new SandboxFileException($"'{path}' is not valid CSV near line {e.Context?.Parser?.RawRow ?? 0:N0}: check its quotes.", e);
        }

        return rows;
    }

    /// <summary>Writes rows (JSON objects) as CSV text with a header.</summary>
    /// <param name="rows">The rows; nested objects and arrays are written as JSON text, null as an empty field.</param>
    /// <param name="path">The file's path, for messages.</param>
    /// <exception cref="SandboxFileException">A row is not an object.</exception>
    public static string Write(JsonArray rows, string path)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var columns = new List<string>();
        var known = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i] is not JsonObject row)
            {
                throw new SandboxFileException($"Row {i + 1} for '{path}' is not an object; write rows as objects keyed by column name.");
            }

            foreach (var (key, _) in row)
            {
                if (known.Add(key))
                {
                    columns.Add(key);
                }
            }
        }

        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var csv = new CsvWriter(text, WriteFormat))
        {
            foreach (var column in columns)
            {
                csv.WriteField(column);
            }

            csv.NextRecord();
            foreach (JsonObject row in rows.Cast<JsonObject>())
            {
                foreach (var column in columns)
                {
                    csv.WriteField(Field(row[column]));
                }

                csv.NextRecord();
            }
        }

        return text.ToString();
    }

    private static string Field(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(),
    };

    /// <summary>Header names made usable as keys: blanks become <c>column_N</c>, repeats get <c>_2</c>, <c>_3</c>…</summary>
    private static string[] Header(string[] names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var header = new string[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var name = string.IsNullOrWhiteSpace(names[i]) ? $"column_{i + 1}" : names[i].Trim();
            var unique = name;
            for (var n = 2; !seen.Add(unique); n++)
            {
                unique = $"{name}_{n}";
            }

            header[i] = unique;
        }

        return header;
    }
}
