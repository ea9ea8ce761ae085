using static CodeActSdk.Tests.Files.FileTestSupport;

namespace CodeActSdk.Tests.Files;

/// <summary>The host may add files while the code writes: the scratch area's accounting stays exact.</summary>
public class ConcurrencyTests
{
    [Test]
    public async Task Parallel_uploads_writes_and_deletes_keep_an_exact_byte_count()
    {
        const int threads = 8;
        const int filesPerThread = 40;
        const int finalSize = 100;
        const long quota = threads * filesPerThread * 300L;
        var files = Scratch(quota: quota, maxFile: quota, maxFiles: 10_000);

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var workers = Enumerable.Range(0, threads).Select(t => Task.Run(async () =>
        {
            await start.Task;
            for (var i = 0; i < filesPerThread; i++)
            {
                var path = $"t{t}/f{i}.bin";
                if (i % 2 == 0)
                {
                    await files.AddAsync(path, new MemoryStream(new byte[50]));
                }
                else
                {
                    files.WriteBytes(path, new byte[50]);
                }

                files.WriteBytes(path, new byte[250]);
                files.WriteBytes($"t{t}/temp{i}.bin", new byte[30]);
                files.Delete($"t{t}/temp{i}.bin").Should().BeTrue();
                files.WriteBytes(path, new byte[finalSize]);
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(workers);

        const long used = threads * filesPerThread * finalSize;
        files.Uploads.Should().HaveCount(threads * filesPerThread / 2);
        Enumerable.Range(0, threads).Sum(t => files.List($"t{t}").Sum(e => e.Size)).Should().Be(used);
        files.WriteBytes("rest.bin", new byte[quota - used]);
        Refusal(() => files.WriteBytes("one-more.bin", [1])).Should().Contain($"({quota:N0} used)");
        files.Delete("t0/f0.bin");
        files.WriteBytes("one-more.bin", new byte[finalSize]);
    }
}
