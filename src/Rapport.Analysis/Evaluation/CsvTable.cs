using System.Text;

namespace Rapport.Analysis.Evaluation;

/// <summary>A CSV file with a header: RFC 4180 quoting (quoted fields, doubled quotes, newlines inside quotes).</summary>
public sealed class CsvTable
{
    public IReadOnlyList<string> Header { get; }
    public IReadOnlyList<string[]> Rows { get; }

    private CsvTable(IReadOnlyList<string> header, IReadOnlyList<string[]> rows)
    {
        Header = header;
        Rows = rows;
    }

    /// <summary>The index of the first column named one of <paramref name="names"/> (case-insensitive), or −1.</summary>
    public int ColumnIndex(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            for (var i = 0; i < Header.Count; i++)
            {
                if (string.Equals(Header[i].Trim(), name, StringComparison.OrdinalIgnoreCase))
                {
                    return i;
                }
            }
        }
        return -1;
    }

    /// <summary>The value of a column in a row, or empty when the row is short.</summary>
    public static string Cell(string[] row, int column)
    {
        ArgumentNullException.ThrowIfNull(row);
        return column >= 0 && column < row.Length ? row[column] : string.Empty;
    }

    public static CsvTable Load(string path)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return Read(reader);
    }

    public static CsvTable Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var records = ReadRecords(reader).ToList();
        if (records.Count == 0)
        {
            return new CsvTable([], []);
        }
        var header = records[0].Select(h => h.Trim().TrimStart('\uFEFF')).ToArray();
        return new CsvTable(header, records.Skip(1).ToList());
    }

    /// <summary>Longest field accepted; a longer one is a malformed file (an unclosed quote), not data.</summary>
    public const int MaxFieldLength = 1_000_000;

    /// <summary>
    /// Reads RFC 4180 records one at a time (quoted fields, doubled quotes, newlines inside quotes), skipping
    /// empty lines, so a file of any size is read in flat memory. The one CSV reader of Rapport: evaluation,
    /// labelled examples and message imports all use it.
    /// </summary>
    public static IEnumerable<string[]> ReadRecords(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadRecordsCore(reader).Where(r => r.Length > 1 || r[0].Length > 0);
    }

    private static IEnumerable<string[]> ReadRecordsCore(TextReader reader)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var inQuotes = false;
        var any = false;
        int ch;
        while ((ch = reader.Read()) >= 0)
        {
            var c = (char)ch;
            any = true;
            if (field.Length > MaxFieldLength)
            {
                throw new InvalidDataException($"A field is longer than {MaxFieldLength} characters: the file is not valid CSV (an unclosed quote?).");
            }
            if (inQuotes)
            {
                if (c == '"')
                {
                    if (reader.Peek() == '"')
                    {
                        reader.Read();
                        field.Append('"');
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    field.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when field.Length == 0:
                    inQuotes = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    yield return fields.ToArray();
                    fields.Clear();
                    any = false;
                    break;
                default:
                    field.Append(c);
                    break;
            }
        }
        if (any)
        {
            fields.Add(field.ToString());
            yield return fields.ToArray();
        }
    }
}
