using Microsoft.EntityFrameworkCore;
using Rapport.Data;

namespace Rapport.Channels.Import;

/// <summary>
/// An uploaded file read back from its <see cref="ImportChunk"/>s, one slice in memory at a time, on whichever node runs
/// the import. Seekable, so the import reports how far it got (its position) against the file's length.
/// </summary>
internal sealed class UploadStream(RapportDbContextFactory databases, Guid runId, long length) : Stream
{
    private byte[] chunk = [];
    private int chunkIndex = -1;
    private long position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => position;
        set => position = Math.Clamp(value, 0, length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (position >= length || buffer.IsEmpty)
        {
            return 0;
        }
        Load((int)(position / ImportChunk.Size));
        return CopyOut(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (position >= length || buffer.IsEmpty)
        {
            return 0;
        }
        var index = (int)(position / ImportChunk.Size);
        if (index != chunkIndex)
        {
            await using var db = databases.CreateDbContext();
            chunk = await db.ImportChunks.Where(c => c.ImportRunId == runId && c.Index == index).Select(c => c.Data).SingleAsync(cancellationToken);
            chunkIndex = index;
        }
        return CopyOut(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Load(int index)
    {
        if (index == chunkIndex)
        {
            return;
        }
        using var db = databases.CreateDbContext();
        chunk = db.ImportChunks.Where(c => c.ImportRunId == runId && c.Index == index).Select(c => c.Data).Single();
        chunkIndex = index;
    }

    private int CopyOut(Span<byte> buffer)
    {
        var start = (int)(position - ((long)chunkIndex * ImportChunk.Size));
        var n = Math.Min(buffer.Length, chunk.Length - start);
        if (n <= 0)
        {
            // A slice shorter than it should be: the upload was cut; the import reports the file unreadable.
            throw new IOException("The stored upload is shorter than its length.");
        }
        chunk.AsSpan(start, n).CopyTo(buffer);
        position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => position + offset,
        _ => length + offset,
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
