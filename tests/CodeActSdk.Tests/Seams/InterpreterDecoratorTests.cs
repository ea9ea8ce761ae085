using CodeActSdk.Jint;
using Microsoft.Extensions.DependencyInjection;

namespace CodeActSdk.Tests.Seams;

/// <summary><c>builder.UseInterpreterDecorator(...)</c> wraps the registered interpreter, in call order, and the provider owns what it made.</summary>
public class InterpreterDecoratorTests
{
    [Test]
    public async Task Decorators_wrap_the_registered_interpreter_in_call_order()
    {
        var services = new ServiceCollection();
        services.AddCodeAct(b => b
            .UseJint()
            .UseInterpreterDecorator((inner, _) => new Named("first", inner))
            .UseInterpreterDecorator((inner, provider) => new Named("second", inner)));
        await using var provider = services.BuildServiceProvider();

        var interpreter = provider.GetRequiredService<ICodeInterpreter>();

        interpreter.Should().BeOfType<Named>().Which.Name.Should().Be("second");
        interpreter.GetService<Named>()!.Name.Should().Be("second");
        ((Named)interpreter).Inner.Should().BeOfType<Named>().Which.Name.Should().Be("first");
        interpreter.GetService<JintInterpreter>().Should().NotBeNull("the backend is under both decorators");
        provider.GetRequiredService<ICodeInterpreter>().Should().BeSameAs(interpreter, "the decorated interpreter keeps the backend's singleton lifetime");
    }

    [Test]
    public async Task The_provider_disposes_the_decorator_and_a_backend_it_created_but_not_an_instance_the_application_gave()
    {
        var created = new Tracked();
        var services = new ServiceCollection();
        services.AddCodeAct(b => b.UseInterpreter(_ => created).UseInterpreterDecorator((inner, _) => new Named("outer", inner)));
        var provider = services.BuildServiceProvider();
        var decorator = (Named)provider.GetRequiredService<ICodeInterpreter>();

        await provider.DisposeAsync();

        created.Disposals.Should().BeGreaterThan(0, "the provider created the backend, so it disposes it");

        var given = new Tracked();
        var other = new ServiceCollection();
        other.AddCodeAct(b => b.UseInterpreter(given).UseInterpreterDecorator((inner, _) => new Named("outer", inner)));
        var otherProvider = other.BuildServiceProvider();
        ((Named)otherProvider.GetRequiredService<ICodeInterpreter>()).Inner.Should().BeSameAs(given);
        await otherProvider.DisposeAsync();

        given.Disposals.Should().Be(0, "an instance the application gave stays the application's");
        decorator.Disposed.Should().BeTrue();
    }

    [Test]
    public void A_decorator_before_any_interpreter_says_what_to_call_first()
    {
        var register = () => new ServiceCollection().AddCodeAct(b => b.UseInterpreterDecorator((inner, _) => inner));

        register.Should().Throw<InvalidOperationException>().WithMessage("*UseJint()*before*");
    }

    /// <summary>A decorator that does not own its inner interpreter, so the provider's own disposal is what is observed.</summary>
    private sealed class Named(string name, ICodeInterpreter inner) : ICodeInterpreter, IDisposable
    {
        public string Name { get; } = name;

        public ICodeInterpreter Inner { get; } = inner;

        public bool Disposed { get; private set; }

        public CodeLanguage Language => Inner.Language;

        public string DescribeTools(IReadOnlyList<Microsoft.Extensions.AI.AIFunction> tools) => Inner.DescribeTools(tools);

        public ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default) =>
            Inner.CreateSessionAsync(options, cancellationToken);

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is null && serviceType.IsInstanceOfType(this) ? this : Inner.GetService(serviceType, serviceKey);

        public void Dispose() => Disposed = true;
    }

    private sealed class Tracked : ICodeInterpreter, IDisposable
    {
        private readonly JintInterpreter _jint = new();

        public int Disposals { get; private set; }

        public CodeLanguage Language => _jint.Language;

        public string DescribeTools(IReadOnlyList<Microsoft.Extensions.AI.AIFunction> tools) => _jint.DescribeTools(tools);

        public ValueTask<IInterpreterSession> CreateSessionAsync(SandboxOptions options, CancellationToken cancellationToken = default) =>
            _jint.CreateSessionAsync(options, cancellationToken);

        public void Dispose() => Disposals++;
    }
}
