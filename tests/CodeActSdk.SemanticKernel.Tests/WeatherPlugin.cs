using DescriptionAttribute = System.ComponentModel.DescriptionAttribute;
using Microsoft.SemanticKernel;

namespace CodeActSdk.SemanticKernel.Tests;

/// <summary>A plugin as hosts write them: an attributed class whose calls the tests can inspect.</summary>
public sealed class WeatherPlugin
{
    public List<string> Calls { get; } = [];

    [KernelFunction("temperatures")]
    [Description("The daily maximum temperatures (°C) of the last days in a city.")]
    [return: Description("One temperature per day, oldest first.")]
    public double[] Temperatures(
        [Description("The city, for example Oslo")] string city,
        [Description("How many days, 1 to 7")] int days = 3)
    {
        Calls.Add($"{city}/{days}");
        return [.. new[] { 3.5, 4.0, 6.5, 9.0, 12.5, 15.0, 17.0 }.Take(days)];
    }

    [KernelFunction("fail")]
    [Description("Always fails with the given reason.")]
    public string Fail([Description("Why it fails")] string reason) => throw new InvalidOperationException(reason);

    public static Kernel KernelWithPlugin(out WeatherPlugin plugin, Action<IKernelBuilder>? configure = null)
    {
        var builder = Kernel.CreateBuilder();
        configure?.Invoke(builder);
        var kernel = builder.Build();
        plugin = new WeatherPlugin();
        kernel.Plugins.AddFromObject(plugin, "Weather");
        return kernel;
    }
}
