using System.Text.Json;
using CodeActSdk.Jint;
using Microsoft.SemanticKernel;

namespace CodeActSdk.SemanticKernel.Tests;

public sealed class KernelSandboxToolTests
{
    private readonly JintInterpreter _interpreter = new();

    [OneTimeTearDown]
    public void TearDown() => _interpreter.Dispose();

    [Test]
    public void The_tools_are_named_as_Semantic_Kernel_names_functions_for_a_model()
    {
        var kernel = WeatherPlugin.KernelWithPlugin(out _);

        kernel.AsSandboxTools().Select(t => t.Name).Should().Equal("Weather_temperatures", "Weather_fail");
    }

    [Test]
    public async Task Code_calls_a_plugin_function_with_positional_and_named_arguments_and_gets_its_result()
    {
        var kernel = WeatherPlugin.KernelWithPlugin(out var plugin);
        await using var session = await _interpreter.CreateSessionAsync(new SandboxOptions { Tools = kernel.AsSandboxTools() });

        var result = await session.ExecuteAsync("""
            const two = Weather_temperatures("Oslo", 2);
            const three = Weather_temperatures({ city: "Bergen" });
            [two, three.length, three[2]]
            """);

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetRawText().Should().Be("[[3.5,4],3,6.5]");
        plugin.Calls.Should().Equal("Oslo/2", "Bergen/3");
        result.ToolCalls.Select(c => c.Name).Should().Equal("Weather_temperatures", "Weather_temperatures");
    }

    [Test]
    public void The_tool_documentation_shows_the_descriptions_of_the_function_its_parameters_and_its_return_schema()
    {
        var kernel = WeatherPlugin.KernelWithPlugin(out _);
        var tools = kernel.AsSandboxTools();

        var docs = _interpreter.DescribeTools(tools);

        docs.Should().Contain("The daily maximum temperatures (°C) of the last days in a city.")
            .And.Contain("@param {string} city - The city, for example Oslo")
            .And.Contain("@param {number} [days] - How many days, 1 to 7")
            .And.Contain("@returns {number[]}")
            .And.Contain("function Weather_temperatures(city, days) {}");
        var returns = tools[0].ReturnJsonSchema!.Value;
        returns.GetProperty("type").GetString().Should().Be("array");
        returns.GetProperty("description").GetString().Should().Be("One temperature per day, oldest first.");
    }

    [Test]
    public async Task A_failing_plugin_function_is_an_error_the_code_can_catch()
    {
        var kernel = WeatherPlugin.KernelWithPlugin(out _);
        await using var session = await _interpreter.CreateSessionAsync(new SandboxOptions { Tools = kernel.AsSandboxTools() });

        var result = await session.ExecuteAsync("""try { Weather_fail("no data"); "not thrown" } catch (e) { "caught: " + e.message }""");

        result.Status.Should().Be(ExecutionStatus.Completed, result.Error?.Message);
        result.Value!.Value.GetString().Should().StartWith("caught: ").And.Contain("Weather_fail");
    }

    [Test]
    public async Task Calling_a_function_of_an_unknown_plugin_or_with_a_wrong_argument_is_a_runtime_error_not_a_host_crash()
    {
        var kernel = WeatherPlugin.KernelWithPlugin(out var plugin);
        await using var session = await _interpreter.CreateSessionAsync(new SandboxOptions { Tools = kernel.AsSandboxTools() });

        var unknown = await session.ExecuteAsync("""Travel_book("Oslo")""");
        var wrongType = await session.ExecuteAsync("""Weather_temperatures(42)""");
        var missing = await session.ExecuteAsync("""Weather_temperatures()""");

        unknown.Status.Should().Be(ExecutionStatus.RuntimeError);
        unknown.Error!.Message.Should().Contain("Travel_book");
        wrongType.Status.Should().Be(ExecutionStatus.RuntimeError);
        wrongType.Error!.Message.Should().Contain("city").And.Contain("string");
        missing.Status.Should().Be(ExecutionStatus.RuntimeError);
        missing.Error!.Message.Should().Contain("needs the argument 'city'");
        plugin.Calls.Should().BeEmpty();
    }

    [Test]
    public async Task The_tools_of_one_plugin_run_through_the_given_kernel_and_its_filters()
    {
        var kernel = WeatherPlugin.KernelWithPlugin(out _);
        var filter = new RecordingFilter();
        kernel.FunctionInvocationFilters.Add(filter);
        await using var session = await _interpreter.CreateSessionAsync(new SandboxOptions { Tools = kernel.Plugins["Weather"].AsSandboxTools(kernel) });

        var result = await session.ExecuteAsync("""Weather_temperatures("Oslo", 1)""");

        result.Value!.Value.ValueKind.Should().Be(JsonValueKind.Array);
        filter.Invoked.Should().Equal("Weather.temperatures");
    }

    private sealed class RecordingFilter : IFunctionInvocationFilter
    {
        public List<string> Invoked { get; } = [];

        public Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
        {
            Invoked.Add($"{context.Function.PluginName}.{context.Function.Name}");
            return next(context);
        }
    }
}
