using Nabla.Models;
using Nabla.Serialization;

namespace Nabla.Cli.Serve;

/// <summary>
/// Copies of one model for concurrent requests. A <see cref="Sequential"/> reuses its activation buffers from call to
/// call, so one instance must serve one request at a time; the pool loads the file once per copy and hands each request
/// a copy of its own (a request waits when all are busy). With one copy this is a lock around the model.
/// </summary>
internal sealed class ModelPool : IDisposable
{
    private readonly Stack<Sequential> _idle = new();
    private readonly SemaphoreSlim _available;

    public ModelPool(string path, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var (model, metadata) = ModelFile.Load(path);
        (Metadata, Prototype) = (metadata, model);
        _idle.Push(model);
        for (int i = 1; i < size; i++)
        {
            _idle.Push(ModelFile.Load(path).Model);
        }

        Size = size;
        _available = new SemaphoreSlim(size, size);
    }

    /// <summary>Class names, preprocessing and task, shared by every copy.</summary>
    public ModelMetadata Metadata { get; }

    /// <summary>One of the copies, for what does not run it (shapes, summary).</summary>
    public Sequential Prototype { get; }

    /// <summary>How many copies there are.</summary>
    public int Size { get; }

    /// <summary>Runs <paramref name="work"/> with a copy no other request holds.</summary>
    public async Task<T> RunAsync<T>(Func<Sequential, T> work, CancellationToken cancellationToken)
    {
        await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        Sequential model;
        lock (_idle)
        {
            model = _idle.Pop();
        }

        try
        {
            return work(model);
        }
        finally
        {
            lock (_idle)
            {
                _idle.Push(model);
            }

            _available.Release();
        }
    }

    public void Dispose() => _available.Dispose();
}
