using Xunit.Abstractions;
using System.Buffers.Binary;
using System.Text;
using static CompiledNets.Runtime.Tests.Checkpoints.CheckpointTestHelpers;

namespace CompiledNets.Runtime.Tests.Checkpoints;

/// <summary>
/// Seeded mutation fuzzing of the loader: whatever the bytes, <c>Load</c> either succeeds or throws
/// <see cref="InvalidDataException"/>, leaves the network untouched when it throws, and allocates little.
/// </summary>
public class CheckpointFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] JsonPieces =
    [
        "{", "}", "[", "]", ",", ":", "\"", "\"__metadata__\"", "\"dense1.weight\"", "\"dtype\"", "\"F32\"", "\"shape\"",
        "\"data_offsets\"", "0", "-1", "8", "4", "1e308", "18446744073709551615", "99999999999999999999", "null", "true",
        " ", "\"compilednets.checksum\"", "\\u0000", "\"format\"", "\"pt\"", "1.5",
    ];

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    public void Random_mutations_only_ever_throw_InvalidDataException(int seed, bool seekable)
    {
        var source = TrainedAdam();
        byte[] valid = SaveToBytes(source);
        var network = new CheckpointAdamNet(seed: 77);
        var random = new Random(seed);
        int iterations = seekable ? 3000 : 1000, accepted = 0, rejected = 0;
        for (int iteration = 0; iteration < iterations; iteration++)
        {
            var (file, description) = Mutate(valid, random);
            var before = NetworkState.Of(network);
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                network.Load(seekable ? new MemoryStream(file) : new CheckpointCorruptionTests.UnseekableStream(file));
                accepted++;
                if (Environment.GetEnvironmentVariable("CKPT_FUZZ_LOG") is not null) output.WriteLine($"accepted: {description}");
                new CheckpointAdamNet(seed: 77).Load(new MemoryStream(SaveToBytes(network))); // what loaded is itself consistent
            }
            catch (InvalidDataException)
            {
                rejected++;
                before.AssertSameAs(network);
            }
            catch (Exception e)
            {
                Assert.Fail($"Iteration {iteration} ({description}) threw {e.GetType().Name}: {e.Message}");
            }
            long used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.True(used < 4L * file.Length + (1 << 20), $"Iteration {iteration} ({description}) allocated {used} bytes for a {file.Length}-byte file.");
        }
        output.WriteLine($"{iterations} mutations ({(seekable ? "seekable" : "unseekable")} stream): {rejected} rejected with InvalidDataException, {accepted} loaded.");
        Assert.True(rejected > iterations * 9 / 10, $"only {rejected} of {iterations} mutations were rejected");
        Assert.True(accepted + rejected == iterations);
    }

    private static (byte[] File, string Description) Mutate(byte[] valid, Random random)
    {
        byte[] file = (byte[])valid.Clone();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        switch (random.Next(8))
        {
            case 0:
            {
                int flips = random.Next(1, 9);
                for (int i = 0; i < flips; i++) file[random.Next(file.Length)] ^= (byte)(1 << random.Next(8));
                return (file, $"{flips} bit flips");
            }
            case 1:
            {
                // Bit flips inside the header only, where the structure lives.
                int position = 8 + random.Next(headerLength);
                file[position] ^= (byte)(1 << random.Next(8));
                return (file, $"header bit flip at {position}");
            }
            case 2:
            {
                int length = random.Next(file.Length);
                return (file.AsSpan(0, length).ToArray(), $"truncated to {length}");
            }
            case 3:
            {
                ulong length = random.Next(4) switch
                {
                    0 => (ulong)random.NextInt64(),
                    1 => (ulong)random.Next(file.Length + 64),
                    2 => (ulong)headerLength + (ulong)random.Next(-16, 17),
                    _ => (ulong)random.Next(1, 200_000_000),
                };
                BinaryPrimitives.WriteUInt64LittleEndian(file, length);
                return (file, $"header length {length}");
            }
            case 4:
            {
                var json = new StringBuilder();
                int pieces = random.Next(1, 40);
                for (int i = 0; i < pieces; i++) json.Append(JsonPieces[random.Next(JsonPieces.Length)]);
                var data = new byte[random.Next(0, 64)];
                random.NextBytes(data);
                return (SafetensorsTestFile.Build(json.ToString(), data), $"random JSON {json}");
            }
            case 5:
            {
                int position = 8 + random.Next(headerLength);
                int count = random.Next(1, 16);
                var bytes = new byte[count];
                random.NextBytes(bytes);
                return ([.. file.AsSpan(0, position), .. bytes, .. file.AsSpan(position)], $"{count} bytes inserted at {position}");
            }
            case 6:
            {
                int position = random.Next(file.Length);
                int count = Math.Min(random.Next(1, 32), file.Length - position);
                return ([.. file.AsSpan(0, position), .. file.AsSpan(position + count)], $"{count} bytes deleted at {position}");
            }
            default:
            {
                // Replace one digit of the header (shapes, offsets, metadata numbers) with another.
                var digits = Enumerable.Range(8, headerLength).Where(i => file[i] is >= (byte)'0' and <= (byte)'9').ToArray();
                int position = digits[random.Next(digits.Length)];
                file[position] = (byte)('0' + random.Next(10));
                return (file, $"digit changed at {position}");
            }
        }
    }
}
