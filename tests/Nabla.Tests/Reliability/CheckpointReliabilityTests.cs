using System.Text;
using System.Text.Json.Nodes;
using Nabla.Data;
using Nabla.Fuzz;
using Nabla.Layers;
using Nabla.Losses;
using Nabla.Models;
using Nabla.Optimizers;
using Nabla.Serialization;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Tests.Reliability;

/// <summary>Damaged checkpoint training state: one line naming the file, before anything is restored (issue 9).</summary>
public sealed class CheckpointReliabilityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("nabla-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static TrainingSession Session(Sequential model) => new(model, new SoftmaxCrossEntropy(), new Adam(model.Parameters, 0.01f), new TrainingOptions
    {
        Epochs = 2,
        BatchSize = 4,
        EarlyStopping = new EarlyStopping("loss", patience: 3),
    });

    private string SaveCheckpoint()
    {
        var model = new Sequential(3).Add(new Dense(4)).Add(new ReLU()).Add(new Dense(2));
        model.Initialize(seed: 1);
        var features = new Tensor(8, 3);
        for (int i = 0; i < features.Span.Length; i++)
        {
            features.Span[i] = i % 5 * 0.2f;
        }

        TrainingSession session = Session(model);
        session.Run(new Dataset(features, [0, 1, 0, 1, 1, 0, 1, 0], 2));
        Checkpoint.Save(_folder, session, new ModelMetadata(["a", "b"], 1f, "cross-entropy"), "--layers 4");
        return Path.Combine(_folder, Checkpoint.FileName);
    }

    public static TheoryData<string, string> Damage => new()
    {
        { "not-json", "not valid JSON" },
        { "flipped-key", "has no history" },
        { "early-stopping-arrays", "best-weight arrays" },
        { "missing-optimizer-array", "no optimizer array 0" },
        { "string-count", "completed_epochs" },
        { "history-entry-type", "history entry 1" },
        { "schedule-length", "schedule values" },
        { "negative-steps", "optimizer_steps" },
    };

    [Theory]
    [MemberData(nameof(Damage))]
    public void Damaged_training_state_is_one_line_naming_the_checkpoint(string damage, string expected)
    {
        string path = SaveCheckpoint();
        var (header, data) = Mutator.SplitModel(File.ReadAllBytes(path));
        JsonObject root = JsonNode.Parse(header)!.AsObject();
        JsonObject meta = root["__metadata__"]!.AsObject();
        JsonObject state = JsonNode.Parse((string)meta["checkpoint_state"]!)!.AsObject();
        switch (damage)
        {
            case "not-json":
                meta["checkpoint_state"] = "{\"completed_epochs\":2,";
                break;
            case "flipped-key":
                state["hist0ry"] = state["history"]!.DeepClone();
                state.Remove("history");
                break;
            case "early-stopping-arrays":
                state["early_stopping_arrays"] = 3;
                break;
            case "missing-optimizer-array":
                root["optimiser.0"] = root["optimizer.0"]!.DeepClone();
                root.Remove("optimizer.0");
                break;
            case "string-count":
                state["completed_epochs"] = "2";
                break;
            case "history-entry-type":
                state["history"]!.AsArray()[0] = 7;
                break;
            case "schedule-length":
                state["schedule_state"] = new JsonArray(1.0, 2.0);
                break;
            case "negative-steps":
                state["optimizer_steps"] = -5;
                break;
        }

        if (damage != "not-json")
        {
            meta["checkpoint_state"] = state.ToJsonString();
        }

        File.WriteAllBytes(path, Mutator.JoinModel(Encoding.UTF8.GetBytes(root.ToJsonString()), data, resealHeader: true, resealData: false));
        var error = Assert.Throws<ModelFormatException>(() =>
        {
            Checkpoint.Data saved = Checkpoint.Load(_folder);
            Checkpoint.Restore(Session(saved.Model), saved);
        });
        Assert.Contains(path, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void An_intact_checkpoint_restores()
    {
        SaveCheckpoint();
        Checkpoint.Data saved = Checkpoint.Load(_folder);
        TrainingSession session = Session(saved.Model);
        Checkpoint.Restore(session, saved);
        Assert.Equal(2, session.CompletedEpochs);
        Assert.Equal(2, session.History.Epochs.Count);
    }
}
