namespace CodeActSdk.Tests.Agent;

/// <summary>
/// What the model is shown after each step besides the output: large output kept in the session instead of the
/// context, the state digest, and the plan the code keeps with the <c>plan</c> tool.
/// </summary>
public class StepContextTests : AgentTestBase
{
    [Test]
    public async Task Large_output_is_kept_in_a_variable_and_summarised()
    {
        var agent = CreateAgent(
        [
            Js("for (var i = 1; i <= 400; i++) { console.log('row ' + i + ': ' + (i * i)); }"),
            Js("var lines = output_1.split('\\n'); final_answer(lines[399]);"),
        ]);

        var result = await agent.RunAsync("Print the squares, then read the last line back.");

        var observation = result.Steps[0].Observation;
        observation.Should().Contain("it is kept in the variable output_1 (a string)").And.Contain("row 1: 1").And.Contain("row 400: 160000");
        observation.Should().NotContain("row 200: 40000", "the middle is left in the sandbox");
        result.Steps[0].Executions[0].Stdout.Should().Contain("row 200: 40000", "the host still gets the whole output");
        result.FinalAnswerText.Should().Be("row 400: 160000");
    }

    [Test]
    public async Task The_plan_tool_keeps_a_plan_shown_after_every_step_and_returned()
    {
        var agent = CreateAgent(
        [
            Js("plan('create', ['load the data', 'compute the total', 'answer']);"),
            Js("var total = 1 + 2; plan('done', null, 1); plan('done', null, 2); plan('note', null, 2, 'total is 3');"),
            Js("plan({ action: 'done', item: 3 }); final_answer(total);"),
        ], o => o.EnablePlan = true);

        var result = await agent.RunAsync("Add one and two, with a plan.");

        result.Steps[0].Observation.Should().Contain("[plan]\n1. [ ] load the data\n2. [ ] compute the total\n3. [ ] answer");
        result.Steps[1].Observation.Should().Contain("1. [x] load the data\n2. [x] compute the total\n   note: total is 3\n3. [ ] answer");
        result.Plan.Should().HaveCount(3).And.OnlyContain(i => i.Status == PlanItemStatus.Done);
        agent.SystemPrompt.Should().Contain("function plan(action, items, item, note)");
    }

    [Test]
    public async Task A_wrong_plan_call_is_an_error_the_code_sees()
    {
        var agent = CreateAgent(
        [
            Js("var m; try { plan('done', null, 4); } catch (e) { m = e.message; } console.log(m);"),
            Js("final_answer(1);"),
        ], o => o.EnablePlan = true);

        var result = await agent.RunAsync("Break the plan.");

        result.Steps[0].Observation.Should().Contain("There is no plan yet");
        result.Plan.Should().BeEmpty();
    }

    [Test]
    public async Task Without_the_option_there_is_no_plan_tool()
    {
        var agent = CreateAgent([Js("final_answer(typeof plan);")]);

        (await agent.RunAsync("Is there a plan tool?")).FinalAnswerText.Should().Be("undefined");
    }
}
