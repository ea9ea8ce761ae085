using System.Collections.Immutable;

namespace CodeActSdk.Roslyn;

/// <summary>
/// Which .NET API sandboxed C# may use: an allow-list of namespaces, types and members, with denials that carve
/// holes in it. Every symbol the code touches — explicitly or implicitly (foreach's enumerator, await's awaiter,
/// user-defined conversions and operators, collection initialisers, deconstruction, query clauses, generic type
/// arguments, attributes) — is resolved on the semantic model and checked before anything runs.
/// </summary>
/// <remarks>
/// <para>
/// A symbol is decided by the most specific rule that names it: a rule on the member itself (all its overloads), else
/// on its type or an enclosing type, else on its namespace or the nearest enclosing namespace. What no rule names is
/// denied. A rule on a type covers all its generic arities (<c>System.Func</c> is every <c>Func&lt;...&gt;</c>) and
/// its nested types; a rule on a namespace covers its sub-namespaces. When the same name is both allowed and denied,
/// the rule added last wins.
/// </para>
/// <para>
/// The policy is immutable: <see cref="AllowNamespace"/> and its siblings return a new policy, so
/// <c>CSharpApiPolicy.Default.AllowType("System.Buffers.ArrayPool").DenyMember("System.Math", "Pow")</c> builds on the
/// default without changing it. Types, members and namespaces are named as C# spells them, without generic arity:
/// <c>System.Collections.Generic.List</c>, member <c>Add</c>, constructors <c>.ctor</c>, indexers <c>this[]</c>.
/// </para>
/// <para>
/// Some things are refused whatever the policy says, because they would defeat the guards or reach outside the
/// process: unsafe code, pointers, function pointers, <c>stackalloc</c>, <c>extern</c> methods, <c>dynamic</c>,
/// finalizers, <c>lock</c>, <c>async void</c>, <c>#r</c> and <c>#load</c>. Changing a static property or field of a
/// library type, and subscribing to a static event of one, are refused too unless a rule allows that very member by
/// name (<see cref="AllowMember(string, string)"/>): that state is the whole host process's, shared by every
/// session, and a handler would run outside the execution's limits. The tools bridged into a session and the
/// sandbox's own <c>Console</c>, <c>final_answer</c> and <c>Files</c> (with the <see cref="SandboxFileInfo"/> and
/// <see cref="SandboxFileException"/> it hands the code) are always allowed.
/// </para>
/// </remarks>
public sealed class CSharpApiPolicy
{
    private readonly ImmutableDictionary<string, ApiRule> _namespaces;
    private readonly ImmutableDictionary<string, ApiRule> _types;
    private readonly ImmutableDictionary<string, ApiRule> _members;

    private CSharpApiPolicy(
        ImmutableDictionary<string, ApiRule> namespaces,
        ImmutableDictionary<string, ApiRule> types,
        ImmutableDictionary<string, ApiRule> members,
        string summary)
    {
        _namespaces = namespaces;
        _types = types;
        _members = members;
        Summary = summary;
    }

    /// <summary>A policy that allows nothing but the sandbox's own API and the session's tools.</summary>
    public static CSharpApiPolicy Empty { get; } = new(
        ImmutableDictionary<string, ApiRule>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, ApiRule>.Empty.WithComparers(StringComparer.Ordinal),
        ImmutableDictionary<string, ApiRule>.Empty.WithComparers(StringComparer.Ordinal),
        "only Console, Files, final_answer and the tools");

    /// <summary>
    /// The default policy: the safe core of <c>System</c> (primitives, strings, <c>Math</c>, dates and times,
    /// <c>Guid</c>, <c>Random</c>, <c>Convert</c>, tuples, delegates, spans, common exceptions),
    /// <c>System.Collections.Generic</c>, <c>System.Linq</c>, <c>System.Text</c> (<c>StringBuilder</c>),
    /// <c>System.Text.RegularExpressions</c> (every match has a time limit), <c>System.Globalization</c>,
    /// <c>System.Numerics</c>, <c>System.Text.Json</c> for plain values, and <c>Task</c> for <c>await</c>
    /// (<c>Task.Delay</c>, <c>Task.WhenAll</c>). Everything that reaches outside is denied with a reason: files,
    /// network, processes, reflection and anything that yields a <c>Type</c>, <c>Assembly</c> or <c>MemberInfo</c>,
    /// <c>Activator</c>, <c>AppDomain</c>, <c>Environment</c>, <c>GC</c>, interop, threads, timers,
    /// <c>Task.Run</c>, <c>Parallel</c>, runtime internals and expression compilation, and what the whole process
    /// shares (encoding providers, <c>AppContext</c>, process events, the shared array pools, the serializer's
    /// process-wide default options).
    /// </summary>
    public static CSharpApiPolicy Default { get; } = DefaultApiPolicy.Build();

    /// <summary>A short description of what is allowed, for the prompt and for the messages of violations.</summary>
    public string Summary { get; }

    /// <summary>Allows the namespace <paramref name="ns"/> and its sub-namespaces.</summary>
    public CSharpApiPolicy AllowNamespace(string ns) => With(RuleKind.Namespace, CheckName(ns, nameof(ns)), new ApiRule(true, null));

    /// <summary>Denies the namespace <paramref name="ns"/> and its sub-namespaces; <paramref name="reason"/> tells the model what to do instead.</summary>
    public CSharpApiPolicy DenyNamespace(string ns, string? reason = null) => With(RuleKind.Namespace, CheckName(ns, nameof(ns)), new ApiRule(false, reason));

    /// <summary>Allows the type named <paramref name="fullName"/> (for example <c>System.Collections.Generic.List</c>), all its members and nested types.</summary>
    public CSharpApiPolicy AllowType(string fullName) => With(RuleKind.Type, CheckName(fullName, nameof(fullName)), new ApiRule(true, null));

    /// <summary>Allows <paramref name="type"/> (any generic arity), all its members and nested types.</summary>
    public CSharpApiPolicy AllowType(Type type) => AllowType(TypeKey(type));

    /// <summary>Denies the type named <paramref name="fullName"/>; <paramref name="reason"/> tells the model what to do instead.</summary>
    public CSharpApiPolicy DenyType(string fullName, string? reason = null) => With(RuleKind.Type, CheckName(fullName, nameof(fullName)), new ApiRule(false, reason));

    /// <summary>Denies <paramref name="type"/> (any generic arity); <paramref name="reason"/> tells the model what to do instead.</summary>
    public CSharpApiPolicy DenyType(Type type, string? reason = null) => DenyType(TypeKey(type), reason);

    /// <summary>Allows the member <paramref name="member"/> (all overloads) of the type named <paramref name="typeFullName"/>, even when the type is not allowed.</summary>
    public CSharpApiPolicy AllowMember(string typeFullName, string member) =>
        With(RuleKind.Member, MemberKey(CheckName(typeFullName, nameof(typeFullName)), CheckName(member, nameof(member))), new ApiRule(true, null));

    /// <summary>Allows the member <paramref name="member"/> (all overloads) of <paramref name="type"/>.</summary>
    public CSharpApiPolicy AllowMember(Type type, string member) => AllowMember(TypeKey(type), member);

    /// <summary>Denies the member <paramref name="member"/> (all overloads) of the type named <paramref name="typeFullName"/>; <paramref name="reason"/> tells the model what to do instead.</summary>
    public CSharpApiPolicy DenyMember(string typeFullName, string member, string? reason = null) =>
        With(RuleKind.Member, MemberKey(CheckName(typeFullName, nameof(typeFullName)), CheckName(member, nameof(member))), new ApiRule(false, reason));

    /// <summary>Denies the member <paramref name="member"/> (all overloads) of <paramref name="type"/>.</summary>
    public CSharpApiPolicy DenyMember(Type type, string member, string? reason = null) => DenyMember(TypeKey(type), member, reason);

    /// <summary>Replaces <see cref="Summary"/>, for a policy whose rules changed what is allowed.</summary>
    public CSharpApiPolicy WithSummary(string summary) =>
        new(_namespaces, _types, _members, string.IsNullOrWhiteSpace(summary) ? throw new ArgumentException("The summary must not be empty.", nameof(summary)) : summary);

    /// <summary>Whether the policy allows <paramref name="type"/> itself (not necessarily every member).</summary>
    public bool IsAllowed(Type type) => DecideType(TypePath.Of(type)).Allowed;

    /// <summary>Whether the policy allows the member <paramref name="member"/> of <paramref name="type"/>.</summary>
    public bool IsAllowed(Type type, string member) => DecideMember(TypePath.Of(type), member).Allowed;

    internal ApiDecision DecideMember(TypePath type, string member)
    {
        if (_members.TryGetValue(MemberKey(type.FullName, member), out var rule))
        {
            return new ApiDecision(rule.Allowed, rule.Reason, $"{type.FullName}.{member}");
        }

        return DecideType(type);
    }

    /// <summary>Whether a rule on <paramref name="member"/> itself allows it (not one on its type or namespace).</summary>
    internal bool AllowsMemberByName(TypePath type, string member) =>
        _members.TryGetValue(MemberKey(type.FullName, member), out var rule) && rule.Allowed;

    internal ApiDecision DecideType(TypePath type)
    {
        // The innermost type with a rule decides: Outer.Inner before Outer.
        for (var i = type.Names.Count; i > 0; i--)
        {
            var name = type.Prefix(i);
            if (_types.TryGetValue(name, out var rule))
            {
                return new ApiDecision(rule.Allowed, rule.Reason, name);
            }
        }

        var ns = type.Namespace;
        while (true)
        {
            if (_namespaces.TryGetValue(ns, out var rule))
            {
                return new ApiDecision(rule.Allowed, rule.Reason, ns.Length == 0 ? "the global namespace" : ns);
            }

            if (ns.Length == 0)
            {
                return new ApiDecision(false, null, type.FullName);
            }

            var dot = ns.LastIndexOf('.');
            ns = dot < 0 ? "" : ns[..dot];
        }
    }

    private CSharpApiPolicy With(RuleKind kind, string key, ApiRule rule) => kind switch
    {
        RuleKind.Namespace => new(_namespaces.SetItem(key, rule), _types, _members, Summary),
        RuleKind.Type => new(_namespaces, _types.SetItem(key, rule), _members, Summary),
        _ => new(_namespaces, _types, _members.SetItem(key, rule), Summary),
    };

    private static string CheckName(string name, string parameter)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name, parameter);
        if (name.Contains('<') || name.Contains('`'))
        {
            throw new ArgumentException($"Name '{name}' without its generic arity or type arguments: a rule on System.Func covers every Func<...>.", parameter);
        }

        return name.Trim();
    }

    private static string MemberKey(string type, string member) => type + "::" + member;

    internal static string TypeKey(Type type) => TypePath.Of(type).FullName;

    /// <inheritdoc />
    public override string ToString() => "CSharpApiPolicy: " + Summary;

    private enum RuleKind
    {
        Namespace,
        Type,
        Member,
    }
}

/// <summary>One allow or deny rule, with the reason shown when it denies.</summary>
internal readonly record struct ApiRule(bool Allowed, string? Reason);

/// <summary>The decision on one symbol: allowed or not, the reason, and the rule's name.</summary>
internal readonly record struct ApiDecision(bool Allowed, string? Reason, string RuleName);

/// <summary>A type as the policy sees it: its namespace and the names from the outermost type to the type itself.</summary>
internal readonly record struct TypePath(string Namespace, IReadOnlyList<string> Names)
{
    public string FullName => Prefix(Names.Count);

    public static TypePath Of(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var names = new List<string>();
        var t = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        for (; t.IsNested; t = t.DeclaringType!)
        {
            names.Insert(0, WithoutArity(t.Name));
        }

        names.Insert(0, WithoutArity(t.Name));
        return new TypePath(t.Namespace ?? "", names);
    }

    private static string WithoutArity(string name) => name.IndexOf('`') is var tick and >= 0 ? name[..tick] : name;

    public string Prefix(int count)
    {
        var types = string.Join('.', Names.Take(count));
        return Namespace.Length == 0 ? types : Namespace + "." + types;
    }
}
