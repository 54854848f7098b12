using System.Numerics;
using MyOwnCluster.Execution.Gpu;
using static MyOwnCluster.Tests.Gpu.GpuKernels;

namespace MyOwnCluster.Tests.Gpu;

/// <summary>Each Samples/gpu shader runs on this machine's Vulkan device and gives what the same computation in C# gives.</summary>
public sealed class GpuSampleTests : IDisposable
{
    private readonly GpuEngine engine = Engine();
    private readonly Random random = new(27);

    [Fact]
    public async Task Vector_add_adds_two_arrays()
    {
        const int n = 1000;
        var a = Floats(n);
        var b = Floats(n);
        var c = Values<float>(await RunAsync(engine, Compile(engine, Sample("vector-add.comp")), Bytes(a, b), [(n + 63) / 64, 1, 1, n], n * 4));
        Assert.Equal(Enumerable.Range(0, n).Select(i => a[i] + b[i]), c);
    }

    [Fact]
    public async Task Saxpy_takes_a_float_push_constant_by_its_bits()
    {
        const int n = 777;
        const float scale = 2.5f;
        var x = Floats(n);
        var y = Floats(n);
        var result = Values<float>(await RunAsync(engine, Compile(engine, Sample("saxpy.comp")), Bytes(x, y),
            [(n + 63) / 64, 1, 1, n, BitConverter.SingleToInt32Bits(scale)], n * 4));
        Assert.Equal(Enumerable.Range(0, n).Select(i => MathF.FusedMultiplyAdd(scale, x[i], y[i])).ToArray(), result, new NearlyEqual(1e-5f));
    }

    [Fact]
    public async Task Reduction_sums_a_hundred_thousand_integers_exactly()
    {
        const int n = 100_000;
        var values = Enumerable.Range(0, n).Select(_ => random.Next(-1000, 1000)).ToArray();
        var total = Values<int>(await RunAsync(engine, Compile(engine, Sample("reduction.comp")), Bytes(values), [(n + 255) / 256], 4));
        Assert.Equal(new[] { values.Sum() }, total);
    }

    [Fact]
    public async Task Matmul_multiplies_matrices_whose_size_is_not_a_multiple_of_the_tile()
    {
        const int n = 70;
        var a = Floats(n * n);
        var b = Floats(n * n);
        var c = Values<float>(await RunAsync(engine, Compile(engine, Sample("matmul.comp")), Bytes(a, b), [(n + 15) / 16, (n + 15) / 16, 1, n], n * n * 4));
        Assert.Equal(Multiply(a, b, n), c, new NearlyEqual(1e-3f));
    }

    [Fact]
    public async Task Histogram_counts_the_luminance_of_every_pixel_of_an_image()
    {
        const int pixels = 300 * 200;
        var image = new byte[pixels * 4];
        random.NextBytes(image);
        var expected = new uint[256];
        for (var i = 0; i < pixels; i++)
        {
            expected[(image[i * 4] * 77 + image[i * 4 + 1] * 150 + image[i * 4 + 2] * 29) >> 8]++;
        }

        var bins = Values<uint>(await RunAsync(engine, Compile(engine, Sample("histogram.comp")), image, [16], 1024));
        Assert.Equal(expected, bins);
        Assert.Equal((uint)pixels, (uint)bins.Sum(b => (long)b));
    }

    public void Dispose() => engine.Dispose();

    /// <summary>The reference: row-major C = A x B with System.Numerics vectors over B's rows.</summary>
    public static float[] Multiply(float[] a, float[] b, int n)
    {
        var c = new float[n * n];
        var width = Vector<float>.Count;
        for (var row = 0; row < n; row++)
        {
            var cRow = c.AsSpan(row * n, n);
            for (var k = 0; k < n; k++)
            {
                var scale = new Vector<float>(a[row * n + k]);
                var bRow = b.AsSpan(k * n, n);
                var col = 0;
                for (; col <= n - width; col += width)
                {
                    (new Vector<float>(cRow[col..]) + scale * new Vector<float>(bRow[col..])).CopyTo(cRow[col..]);
                }

                for (; col < n; col++)
                {
                    cRow[col] += a[row * n + k] * bRow[col];
                }
            }
        }

        return c;
    }

    private float[] Floats(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    private sealed class NearlyEqual(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => MathF.Abs(x - y) <= tolerance * MathF.Max(1, MathF.Abs(x));

        public int GetHashCode(float obj) => 0;
    }
}
