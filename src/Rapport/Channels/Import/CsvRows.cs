using System.Text;

namespace Rapport.Channels.Import;

/// <summary>
/// Reads RFC 4180 CSV one record at a time (quoted fields, doubled quotes, newlines inside quotes),
/// so a file of any size is read in flat memory.
/// </summary>
public static class CsvRows
{
    /// <summary>Longest field accepted; a longer one is a malformed file, not a message.</summary>
    public const int MaxFieldLength = 1_000_000;

    public static async IAsyncEnumerable<string[]> ReadAsync(TextReader reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var fieldStarted = false;
        var buffer = new char[16 * 1024];
        int read;
        var pendingQuote = false;
        while ((read = await reader.ReadAsync(buffer, ct)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                var c = buffer[i];
                if (pendingQuote)
                {
                    pendingQuote = false;
                    if (c == '"')
                    {
                        field.Append('"');
                        continue;
                    }
                    inQuotes = false;
                }
                if (inQuotes)
                {
                    if (c == '"')
                    {
                        pendingQuote = true;
                    }
                    else
                    {
                        field.Append(c);
                    }
                }
                else if (c == '"' && !fieldStarted)
                {
                    inQuotes = true;
                    fieldStarted = true;
                }
                else if (c == ',')
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = false;
                }
                else if (c == '\n')
                {
                    fields.Add(field.ToString().TrimEnd('\r'));
                    field.Clear();
                    fieldStarted = false;
                    if (fields.Count > 1 || fields[0].Length > 0)
                    {
                        yield return [.. fields];
                    }
                    fields.Clear();
                }
                else
                {
                    field.Append(c);
                    fieldStarted = true;
                }
                if (field.Length > MaxFieldLength)
                {
                    throw new InvalidDataException($"A field is longer than {MaxFieldLength} characters: the file is not valid CSV (an unclosed quote?).");
                }
            }
        }
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString().TrimEnd('\r'));
            yield return [.. fields];
        }
    }
}
