namespace CodeActSdk.OpenAI;

/// <summary>
/// Where and how to reach an OpenAI-compatible chat completions endpoint: OpenAI itself, Azure OpenAI (v1 API),
/// Ollama, vLLM, a llama.cpp server, LM Studio and the like.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="BaseUrl"/> is the API root that <c>/chat/completions</c> is appended to, for example
/// <c>http://localhost:11434/v1</c> for Ollama, <c>http://localhost:8000/v1</c> for vLLM or
/// <c>https://my-resource.openai.azure.com/openai/v1</c> for Azure OpenAI. When it is <see langword="null"/> the default
/// OpenAI endpoint <see cref="DefaultBaseUrl"/> is used, and then <see cref="ApiKey"/> is required.
/// A local server usually needs no key: when <see cref="BaseUrl"/> is set and <see cref="ApiKey"/> is not, a
/// placeholder key is sent.
/// </para>
/// <para>
/// Instances are immutable and safe to share between threads.
/// </para>
/// </remarks>
public sealed record OpenAIEndpointOptions
{
    /// <summary>The environment variable holding the base URL: <c>OPENAI_BASE_URL</c>.</summary>
    public const string BaseUrlVariable = "OPENAI_BASE_URL";

    /// <summary>The environment variable holding the API key: <c>OPENAI_API_KEY</c>.</summary>
    public const string ApiKeyVariable = "OPENAI_API_KEY";

    /// <summary>The environment variable holding the model name: <c>CODEACT_MODEL</c>.</summary>
    public const string ModelVariable = "CODEACT_MODEL";

    /// <summary>
    /// The help text shown when no endpoint is configured at all; it says which environment variables to set.
    /// It is also the message of the exception <see cref="Validate"/> throws when nothing is configured.
    /// </summary>
    public const string ConfigurationHelp =
        "No model endpoint is configured. Set OPENAI_BASE_URL (for example http://localhost:11434/v1 for Ollama), " +
        "OPENAI_API_KEY (any non-empty value for local servers) and CODEACT_MODEL, or pass them in OpenAIEndpointOptions.";

    /// <summary>The endpoint used when <see cref="BaseUrl"/> is not set: <c>https://api.openai.com/v1</c>.</summary>
    public static Uri DefaultBaseUrl { get; } = new("https://api.openai.com/v1");

    /// <summary>The key sent to a server at an explicit <see cref="BaseUrl"/> when no <see cref="ApiKey"/> is set.</summary>
    internal const string PlaceholderApiKey = "no-key";

    private readonly Uri? _baseUrl;

    /// <summary>Creates options with nothing set; fill them with an object initializer.</summary>
    public OpenAIEndpointOptions()
    {
    }

    // The raw text of an OPENAI_BASE_URL that is not a usable URL, kept so Validate can report it instead of
    // FromEnvironment throwing (a CLI must be able to ask IsConfigured without exceptions).
    private readonly string? _invalidBaseUrl;

    /// <summary>
    /// The API root, for example <c>http://localhost:11434/v1</c>; must be an absolute <c>http</c> or <c>https</c> URL.
    /// <see langword="null"/> means the default OpenAI endpoint (<see cref="DefaultBaseUrl"/>).
    /// </summary>
    public Uri? BaseUrl
    {
        get => _baseUrl;
        init
        {
            _baseUrl = value;
            _invalidBaseUrl = null;
        }
    }

    /// <summary>
    /// The API key, sent as a bearer token. Required for the default OpenAI endpoint; optional when
    /// <see cref="BaseUrl"/> is set (a placeholder is sent instead).
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>The model name the server serves, for example <c>llama3.2</c> or <c>gpt-4o-mini</c>.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// How long one network operation may take: sending a request and receiving a whole non-streamed response,
    /// or each read of a streamed response. Defaults to five minutes, because local models can be slow to answer.
    /// </summary>
    public TimeSpan NetworkTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long establishing a TCP connection may take before the endpoint is reported unreachable.
    /// Defaults to ten seconds.
    /// </summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How many times a failed request is retried (with the SDK's exponential back-off) on transient errors such as
    /// HTTP 429 or 503. Defaults to 0: a failure is reported at once.
    /// </summary>
    public int MaxRetries { get; init; }

    /// <summary>
    /// <see langword="true"/> when these options are complete enough to construct an <see cref="OpenAIChatClient"/>,
    /// that is when <see cref="Validate"/> would not throw. Lets a caller check without catching exceptions.
    /// </summary>
    public bool IsConfigured => GetConfigurationError() is null;

    /// <summary>
    /// The base URL requests go to: <see cref="BaseUrl"/> if set, otherwise <see cref="DefaultBaseUrl"/>.
    /// </summary>
    public Uri EffectiveBaseUrl => BaseUrl ?? DefaultBaseUrl;

    /// <summary>
    /// Reads the options from the process environment: <c>OPENAI_BASE_URL</c>, <c>OPENAI_API_KEY</c> and
    /// <c>CODEACT_MODEL</c>. Unset or blank variables leave the property <see langword="null"/>. Never throws for
    /// missing or malformed values; call <see cref="Validate"/> or check <see cref="IsConfigured"/>.
    /// </summary>
    /// <returns>The options found in the environment.</returns>
    public static OpenAIEndpointOptions FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Reads the options through <paramref name="getVariable"/>, which is asked for <c>OPENAI_BASE_URL</c>,
    /// <c>OPENAI_API_KEY</c> and <c>CODEACT_MODEL</c> (for example a lookup over a configuration source, or a
    /// dictionary in tests). Blank values count as unset. Never throws for missing or malformed values.
    /// </summary>
    /// <param name="getVariable">Returns the value of the named variable, or <see langword="null"/> when unset.</param>
    /// <returns>The options found through the lookup.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="getVariable"/> is <see langword="null"/>.</exception>
    public static OpenAIEndpointOptions FromEnvironment(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);

        string? baseUrlText = Clean(getVariable(BaseUrlVariable));
        Uri? baseUrl = null;
        string? invalid = null;
        if (baseUrlText is not null)
        {
            if (TryParseBaseUrl(baseUrlText, out Uri? parsed))
            {
                baseUrl = parsed;
            }
            else
            {
                invalid = baseUrlText;
            }
        }

        return new OpenAIEndpointOptions
        {
            BaseUrl = baseUrl,
            ApiKey = Clean(getVariable(ApiKeyVariable)),
            Model = Clean(getVariable(ModelVariable)),
        }.WithInvalidBaseUrl(invalid);
    }

    /// <summary>
    /// Checks that the options are complete and throws an exception whose message says exactly what to set
    /// when they are not.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Something is missing or malformed: no endpoint at all, no model, no API key for the default OpenAI endpoint,
    /// a base URL that is not an absolute http(s) URL, or a non-positive timeout or negative retry count.
    /// </exception>
    public void Validate()
    {
        string? error = GetConfigurationError();
        if (error is not null)
        {
            throw new InvalidOperationException(error);
        }
    }

    /// <summary>The key actually sent: <see cref="ApiKey"/>, or a placeholder for an explicit local <see cref="BaseUrl"/>.</summary>
    internal string EffectiveApiKey => string.IsNullOrWhiteSpace(ApiKey) ? PlaceholderApiKey : ApiKey;

    /// <summary>
    /// Returns what is wrong with these options as one actionable message (the one <see cref="Validate"/> would throw),
    /// or <see langword="null"/> when they are complete. Lets a CLI print the problem without catching exceptions.
    /// </summary>
    /// <returns>The message, or <see langword="null"/> when <see cref="IsConfigured"/> is <see langword="true"/>.</returns>
    public string? GetConfigurationError()
    {
        bool hasBaseUrl = BaseUrl is not null || _invalidBaseUrl is not null;
        bool hasKey = !string.IsNullOrWhiteSpace(ApiKey);
        bool hasModel = !string.IsNullOrWhiteSpace(Model);

        if (!hasBaseUrl && !hasKey && !hasModel)
        {
            return ConfigurationHelp;
        }

        var problems = new List<string>();
        if (_invalidBaseUrl is not null)
        {
            problems.Add(
                $"OPENAI_BASE_URL '{_invalidBaseUrl}' is not an absolute http:// or https:// URL; set it to the server's " +
                "OpenAI-compatible API root, for example http://localhost:11434/v1 for Ollama.");
        }
        else if (BaseUrl is not null && !IsHttpUrl(BaseUrl))
        {
            problems.Add(
                $"OpenAIEndpointOptions.BaseUrl '{BaseUrl}' is not an absolute http:// or https:// URL; set it to the server's " +
                "OpenAI-compatible API root, for example http://localhost:11434/v1 for Ollama.");
        }

        if (!hasBaseUrl && !hasKey)
        {
            problems.Add(
                $"OPENAI_API_KEY is not set, and the default OpenAI endpoint {DefaultBaseUrl} requires it; set OPENAI_API_KEY " +
                "(or OpenAIEndpointOptions.ApiKey), or set OPENAI_BASE_URL to a local OpenAI-compatible server " +
                "(for example http://localhost:11434/v1 for Ollama), which needs no key.");
        }

        if (!hasModel)
        {
            problems.Add(
                "No model is configured; set CODEACT_MODEL (or OpenAIEndpointOptions.Model) to a model the server serves, " +
                "for example llama3.2 for Ollama or gpt-4o-mini for OpenAI.");
        }

        if (NetworkTimeout <= TimeSpan.Zero && NetworkTimeout != Timeout.InfiniteTimeSpan)
        {
            problems.Add($"OpenAIEndpointOptions.NetworkTimeout must be positive (or Timeout.InfiniteTimeSpan), but is {NetworkTimeout}.");
        }

        if (ConnectTimeout <= TimeSpan.Zero && ConnectTimeout != Timeout.InfiniteTimeSpan)
        {
            problems.Add($"OpenAIEndpointOptions.ConnectTimeout must be positive (or Timeout.InfiniteTimeSpan), but is {ConnectTimeout}.");
        }

        if (MaxRetries < 0)
        {
            problems.Add($"OpenAIEndpointOptions.MaxRetries must be zero or more, but is {MaxRetries}.");
        }

        return problems.Count == 0
            ? null
            : "The model endpoint is not configured correctly: " + string.Join(" ", problems);
    }

    /// <summary>Parses an absolute http(s) URL; blank and relative values and other schemes are rejected.</summary>
    internal static bool TryParseBaseUrl(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? url)
    {
        if (Uri.TryCreate(text.Trim(), UriKind.Absolute, out Uri? parsed) && IsHttpUrl(parsed))
        {
            url = parsed;
            return true;
        }

        url = null;
        return false;
    }

    private static bool IsHttpUrl(Uri url) =>
        url.IsAbsoluteUri && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    private static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private OpenAIEndpointOptions WithInvalidBaseUrl(string? invalid)
    {
        if (invalid is null)
        {
            return this;
        }

        return new OpenAIEndpointOptions(this, invalid);
    }

    // Keeps the API key out of ToString(), which records otherwise print in full (and which ends up in logs).
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("BaseUrl = ").Append(BaseUrl?.ToString() ?? _invalidBaseUrl);
        builder.Append(", ApiKey = ").Append(string.IsNullOrEmpty(ApiKey) ? "" : "***");
        builder.Append(", Model = ").Append(Model);
        builder.Append(", NetworkTimeout = ").Append(NetworkTimeout);
        builder.Append(", ConnectTimeout = ").Append(ConnectTimeout);
        builder.Append(", MaxRetries = ").Append(MaxRetries);
        return true;
    }

    private OpenAIEndpointOptions(OpenAIEndpointOptions source, string invalidBaseUrl)
        : this(source)
    {
        _invalidBaseUrl = invalidBaseUrl;
    }
}
