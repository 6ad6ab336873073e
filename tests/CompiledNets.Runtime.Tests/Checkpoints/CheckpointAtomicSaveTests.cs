using static CompiledNets.Runtime.Tests.Checkpoints.CheckpointTestHelpers;

namespace CompiledNets.Runtime.Tests.Checkpoints;

/// <summary>A save interrupted at any point leaves the previous checkpoint byte-identical and no temporary file.</summary>
public class CheckpointAtomicSaveTests
{
    public static TheoryData<int> CrashPoints => new() { 0, 1, 7, 8, 100, 500, 1000, 1500, int.MaxValue };

    [Theory]
    [MemberData(nameof(CrashPoints))]
    public void Interrupted_write_leaves_the_old_checkpoint_intact(int crashAfterBytes)
    {
        string directory = TemporaryDirectory();
        try
        {
            string path = Path.Combine(directory, "net.safetensors");
            var network = TrainedAdam();
            network.Save(path);
            byte[] old = File.ReadAllBytes(path);
            Train(network, 3, seed: 8); // the new save would differ

            var error = Assert.Throws<IOException>(() =>
                Checkpoint.SaveAtomic(network, path, inner => new CrashingStream(inner, crashAfterBytes)));
            Assert.Contains("simulated crash", error.Message);
            Assert.Equal(old, File.ReadAllBytes(path));
            Assert.Equal(new[] { path }, Directory.GetFiles(directory));

            // The old checkpoint still loads, and the next save succeeds.
            var restored = new CheckpointAdamNet(seed: 5);
            restored.Load(path);
            network.Save(path);
            Assert.NotEqual(old, File.ReadAllBytes(path));
            Assert.Equal(new[] { path }, Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void First_save_that_fails_leaves_no_file_at_all()
    {
        string directory = TemporaryDirectory();
        try
        {
            string path = Path.Combine(directory, "net.safetensors");
            Assert.Throws<IOException>(() => Checkpoint.SaveAtomic(TrainedAdam(), path, inner => new CrashingStream(inner, 300)));
            Assert.Empty(Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Leftover_temporary_file_of_a_killed_process_does_not_disturb_saving_or_loading()
    {
        string directory = TemporaryDirectory();
        try
        {
            string path = Path.Combine(directory, "net.safetensors");
            var network = TrainedAdam();
            network.Save(path);
            File.WriteAllBytes(path + ".tmp-0123456789ab", [1, 2, 3]); // a process died mid-write
            var fresh = new CheckpointAdamNet(seed: 5);
            fresh.Load(path);
            NetworkState.Of(network).AssertSameAs(fresh);
            network.Save(path);
            fresh.Load(path);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Passes writes through until a byte budget is spent, then throws (also when flushed, at int.MaxValue).</summary>
    private sealed class CrashingStream(Stream inner, int crashAfterBytes) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            long room = crashAfterBytes - _written;
            if (buffer.Length > room)
            {
                inner.Write(buffer[..(int)Math.Max(0, room)]);
                inner.Flush();
                throw new IOException($"simulated crash after {crashAfterBytes} bytes");
            }
            inner.Write(buffer);
            _written += buffer.Length;
        }

        public override void Flush()
        {
            inner.Flush();
            if (crashAfterBytes == int.MaxValue) throw new IOException("simulated crash while flushing, just before the rename");
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
