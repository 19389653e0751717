using Nabla.Schedules;

namespace Nabla.Tests.Training;

public sealed class ScheduleTests
{
    [Fact]
    public void Position_schedules_follow_their_formulas()
    {
        Assert.Equal(1f, new StepSchedule(10, 0.1f).LearningRate(1f, 0, 100, 9, 0));
        Assert.Equal(0.1f, new StepSchedule(10, 0.1f).LearningRate(1f, 0, 100, 10, 0), 6);
        Assert.Equal(0.5f * 0.9f * 0.9f, new ExponentialSchedule(0.9f).LearningRate(0.5f, 0, 100, 2, 0), 6);
        Assert.Equal(1f, new CosineSchedule().LearningRate(1f, 0, 100, 0, 0), 6);
        Assert.Equal(0.5f, new CosineSchedule().LearningRate(1f, 50, 100, 0, 0), 6);
        Assert.Equal(0f, new CosineSchedule().LearningRate(1f, 100, 100, 0, 0), 6);
        var oneCycle = new OneCycleSchedule();
        Assert.Equal(1f / 25, oneCycle.LearningRate(1f, 0, 1000, 0, 0), 5);
        Assert.Equal(1f, oneCycle.LearningRate(1f, 299, 1000, 0, 0), 5);
        Assert.Equal(1f / 25 / 1e4, oneCycle.LearningRate(1f, 999, 1000, 0, 0), 9);
        Assert.Equal(0.1f, new InverseScalingSchedule().LearningRate(0.1f, 0, 10, 0, 0));
        Assert.Equal(0.1f / 10f, new InverseScalingSchedule().LearningRate(0.1f, 0, 10, 1, 99), 6);
    }

    [Fact]
    public void Plateau_reduces_after_patience_and_its_state_round_trips()
    {
        var schedule = new ReduceOnPlateauSchedule(factor: 0.5f, patience: 2);
        schedule.EpochEnded(1.0);
        schedule.EpochEnded(1.0);
        schedule.EpochEnded(1.0);
        Assert.Equal(1f, schedule.LearningRate(1f, 0, 0, 0, 0));
        schedule.EpochEnded(1.0);
        Assert.Equal(0.5f, schedule.LearningRate(1f, 0, 0, 0, 0));
        var copy = new ReduceOnPlateauSchedule(factor: 0.5f, patience: 2);
        copy.LoadState(schedule.SaveState());
        Assert.Equal(0.5f, copy.LearningRate(1f, 0, 0, 0, 0));
    }

    [Fact]
    public void Adaptive_divides_by_five_after_patience_epochs_without_improvement()
    {
        var schedule = new AdaptiveSchedule(patience: 2);
        schedule.EpochEnded(1.0);
        schedule.EpochEnded(0.5);
        Assert.Equal(0.1f, schedule.LearningRate(0.1f, 0, 0, 0, 0));
        schedule.EpochEnded(0.49999);
        schedule.EpochEnded(0.6);
        Assert.Equal(0.02f, schedule.LearningRate(0.1f, 0, 0, 0, 0), 7);
    }

    [Fact]
    public void Unknown_names_list_the_supported_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => LearningRateSchedule.Create("warmup"));
        Assert.Contains("cosine", error.Message);
    }
}
