namespace CodeActSdk.OpenAI.Tests;

public sealed class OpenAIEndpointOptionsTests
{
    [Test]
    public void FromEnvironment_reads_the_three_variables()
    {
        OpenAIEndpointOptions options = OpenAIEndpointOptions.FromEnvironment(Lookup(
            ("OPENAI_BASE_URL", "http://localhost:11434/v1"),
            ("OPENAI_API_KEY", "ollama"),
            ("CODEACT_MODEL", " llama3.2 ")));

        options.BaseUrl.Should().Be(new Uri("http://localhost:11434/v1"));
        options.ApiKey.Should().Be("ollama");
        options.Model.Should().Be("llama3.2");
        options.IsConfigured.Should().BeTrue();
        options.GetConfigurationError().Should().BeNull();
        FluentActions.Invoking(options.Validate).Should().NotThrow();
    }

    [Test]
    public void Blank_variables_count_as_unset()
    {
        OpenAIEndpointOptions options = OpenAIEndpointOptions.FromEnvironment(Lookup(
            ("OPENAI_BASE_URL", "  "),
            ("OPENAI_API_KEY", ""),
            ("CODEACT_MODEL", "\t")));

        options.BaseUrl.Should().BeNull();
        options.ApiKey.Should().BeNull();
        options.Model.Should().BeNull();
    }

    [Test]
    public void Nothing_configured_gives_the_configuration_help()
    {
        OpenAIEndpointOptions options = OpenAIEndpointOptions.FromEnvironment(Lookup());

        options.IsConfigured.Should().BeFalse();
        FluentActions.Invoking(options.Validate).Should().Throw<InvalidOperationException>()
            .Which.Message.Should().Be(
                "No model endpoint is configured. Set OPENAI_BASE_URL (for example http://localhost:11434/v1 for Ollama), " +
                "OPENAI_API_KEY (any non-empty value for local servers) and CODEACT_MODEL, or pass them in OpenAIEndpointOptions.")
                .And.Be(OpenAIEndpointOptions.ConfigurationHelp);
    }

    [Test]
    public void A_local_server_needs_no_key()
    {
        OpenAIEndpointOptions options = OpenAIEndpointOptions.FromEnvironment(Lookup(
            ("OPENAI_BASE_URL", "http://localhost:8000/v1"),
            ("CODEACT_MODEL", "qwen2.5-coder")));

        options.IsConfigured.Should().BeTrue();
        options.ApiKey.Should().BeNull();
    }

    [Test]
    public void The_default_OpenAI_endpoint_requires_a_key()
    {
        OpenAIEndpointOptions options = OpenAIEndpointOptions.FromEnvironment(Lookup(("CODEACT_MODEL", "gpt-4o-mini")));

        options.IsConfigured.Should().BeFalse();
        options.EffectiveBaseUrl.Should().Be(OpenAIEndpointOptions.DefaultBaseUrl);
        FluentActions.Invoking(options.Validate).Should().Throw<InvalidOperationException>()
            .Which.Message.Should().Contain("OPENAI_API_KEY is not set")
            .And.Contain("https://api.openai.com/v1")
            .And.Contain("OPENAI_BASE_URL")
            .And.NotContain("CODEACT_MODEL");
    }

    [Test]
    public void A_missing_model_is_named()
    {
        OpenAIEndpointOptions options = OpenAIEndpointOptions.FromEnvironment(Lookup(
            ("OPENAI_BASE_URL", "http://localhost:11434/v1"),
            ("OPENAI_API_KEY", "x")));

        options.IsConfigured.Should().BeFalse();
        FluentActions.Invoking(options.Validate).Should().Throw<InvalidOperationException>()
            .Which.Message.Should().Be(
                "The model endpoint is not configured correctly: No model is configured; set CODEACT_MODEL " +
                "(or OpenAIEndpointOptions.Model) to a model the server serves, for example llama3.2 for Ollama or gpt-4o-mini for OpenAI.");
    }

    [Test]
    public void Several_problems_are_reported_in_one_message()
    {
        var options = new OpenAIEndpointOptions { ApiKey = "  ", Model = "m", MaxRetries = -1, NetworkTimeout = TimeSpan.Zero };

        options.IsConfigured.Should().BeFalse();
        string? problem = options.GetConfigurationError();
        FluentActions.Invoking(options.Validate).Should().Throw<InvalidOperationException>().Which.Message.Should().Be(problem);
        problem.Should().StartWith("The model endpoint is not configured correctly: ")
            .And.Contain("OPENAI_API_KEY is not set")
            .And.Contain("NetworkTimeout must be positive")
            .And.Contain("MaxRetries must be zero or more");
    }

    [Test]
    public void A_base_url_that_is_not_http_is_reported_without_FromEnvironment_throwing()
    {
        OpenAIEndpointOptions options = OpenAIEndpointOptions.FromEnvironment(Lookup(
            ("OPENAI_BASE_URL", "localhost:11434"),
            ("CODEACT_MODEL", "llama3.2")));

        options.BaseUrl.Should().BeNull();
        options.IsConfigured.Should().BeFalse();
        FluentActions.Invoking(options.Validate).Should().Throw<InvalidOperationException>()
            .Which.Message.Should().Contain("OPENAI_BASE_URL 'localhost:11434' is not an absolute http:// or https:// URL")
            .And.Contain("http://localhost:11434/v1")
            .And.NotContain("OPENAI_API_KEY is not set");

        OpenAIEndpointOptions fixedUp = options with { BaseUrl = new Uri("http://localhost:11434/v1") };
        fixedUp.IsConfigured.Should().BeTrue();
    }

    [Test]
    public void ToString_does_not_reveal_the_key()
    {
        var options = new OpenAIEndpointOptions { BaseUrl = new Uri("http://localhost:11434/v1"), ApiKey = "sk-secret", Model = "m" };

        options.ToString().Should().NotContain("sk-secret").And.Contain("ApiKey = ***").And.Contain("localhost:11434");
    }

    [Test]
    public void FromEnvironment_without_a_lookup_reads_the_process_environment_without_throwing()
    {
        FluentActions.Invoking(() => OpenAIEndpointOptions.FromEnvironment()).Should().NotThrow();
        FluentActions.Invoking(() => OpenAIEndpointOptions.FromEnvironment(null!)).Should().Throw<ArgumentNullException>();
    }

    private static Func<string, string?> Lookup(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return name => map.TryGetValue(name, out string? value) ? value : null;
    }
}
