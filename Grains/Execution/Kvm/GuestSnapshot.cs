namespace MyOwnCluster.Execution.Kvm;

/// <summary>
/// The clean memory of one function's guest, as sparse pages (every page not listed is zero): the layout's system
/// tables plus the ELF segments. Immutable and shared by all pooled VMs of that function; a reset copies back only
/// the pages a call dirtied.
/// </summary>
internal sealed class GuestSnapshot
{
    private readonly Dictionary<int, byte[]> pages;

    private GuestSnapshot(ElfImage image, GuestLayout layout, Dictionary<int, byte[]> pages)
    {
        Image = image;
        Layout = layout;
        this.pages = pages;
    }

    public ElfImage Image { get; }

    public GuestLayout Layout { get; }

    public static GuestSnapshot Build(ElfImage image, GuestLayout layout)
    {
        var pages = new Dictionary<int, byte[]>();
        void Write(ulong address, ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                var index = (int)(address / GuestLayout.PageSize);
                var offset = (int)(address % GuestLayout.PageSize);
                var count = Math.Min(bytes.Length, GuestLayout.PageSize - offset);
                if (!pages.TryGetValue(index, out var page))
                {
                    page = new byte[GuestLayout.PageSize];
                    pages[index] = page;
                }

                bytes[..count].CopyTo(page.AsSpan(offset));
                bytes = bytes[count..];
                address += (ulong)count;
            }
        }

        layout.WriteSystemTables(Write);
        foreach (var segment in image.Segments)
        {
            Write(segment.Address, segment.FileBytes);
        }

        return new GuestSnapshot(image, layout, pages);
    }

    /// <summary>Loads every non-zero page into freshly mapped (all-zero) guest memory.</summary>
    public void LoadInto(Span<byte> memory)
    {
        foreach (var (index, page) in pages)
        {
            page.CopyTo(memory.Slice(index * GuestLayout.PageSize, GuestLayout.PageSize));
        }
    }

    /// <summary>Puts page <paramref name="index"/> of <paramref name="memory"/> back to its clean contents.</summary>
    public void RestorePage(Span<byte> memory, int index)
    {
        var target = memory.Slice(index * GuestLayout.PageSize, GuestLayout.PageSize);
        if (pages.TryGetValue(index, out var page))
        {
            page.CopyTo(target);
        }
        else
        {
            target.Clear();
        }
    }

    /// <summary>The address to enter: the ELF entry for an empty name (or "_start" when no such symbol exists), else a named function.</summary>
    public ulong? ResolveStart(string name)
    {
        if (Image.Functions.TryGetValue(name, out var address))
        {
            return address;
        }

        return name is "" or "_start" ? Image.Entry : null;
    }
}
