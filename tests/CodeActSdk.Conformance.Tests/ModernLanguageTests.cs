namespace CodeActSdk.Conformance.Tests;

/// <summary>
/// The ECMAScript 2015–2024 features models write, one behaviour per test, each checked by the value or the output
/// it gives. Every JavaScript backend must pass all of them.
/// </summary>
public class ModernLanguageTests(Backend backend) : JavaScriptConformanceTest(backend)
{
    private async Task<string> ValueOf(string js) => Json(await RunAsync(js));

    // ES2023 and ES2024: copying array methods and grouping

    [Test]
    public async Task ToSorted_and_toReversed_copy_where_sort_and_reverse_change_the_array()
    {
        var value = await ValueOf("""
            const prices = [30, 10, 20];
            const sorted = prices.toSorted((a, b) => a - b);
            const reversed = prices.toReversed();
            const replaced = prices.with(0, 99);
            [prices, sorted, reversed, replaced, prices.findLast(p => p < 25)]
            """);

        value.Should().Be("[[30,10,20],[10,20,30],[20,10,30],[99,10,20],20]");
    }

    [Test]
    public async Task Object_groupBy_and_Map_groupBy_group_by_a_key()
    {
        var value = await ValueOf("""
            const orders = [{ region: 'EU', total: 5 }, { region: 'US', total: 7 }, { region: 'EU', total: 3 }];
            const byRegion = Object.groupBy(orders, o => o.region);
            const sums = Map.groupBy(orders, o => o.region);
            [Object.keys(byRegion), byRegion.EU.length, [...sums.keys()], sums.get('US')[0].total]
            """);

        value.Should().Be("""[["EU","US"],2,["EU","US"],7]""");
    }

    // let, const and block scope

    [Test]
    public async Task Let_in_a_loop_gives_each_closure_its_own_binding_where_var_shares_one()
    {
        var value = await ValueOf("""
            const withLet = [];
            for (let i = 0; i < 3; i++) { withLet.push(() => i); }
            var withVar = [];
            for (var j = 0; j < 3; j++) { withVar.push(function () { return j; }); }
            [withLet.map(f => f()), withVar.map(f => f())]
            """);

        value.Should().Be("[[0,1,2],[3,3,3]]");
    }

    [Test]
    public async Task Let_and_const_in_a_block_do_not_leak_out_of_it()
    {
        var value = await ValueOf("""
            let x = 'outer';
            { let x = 'inner'; const onlyInside = 1; }
            [x, typeof onlyInside]
            """);

        value.Should().Be("""["outer","undefined"]""");
    }

    [Test]
    public async Task Reading_a_let_before_its_declaration_is_a_reference_error()
    {
        var value = await ValueOf("""
            let seen;
            {
              try { seen = early; } catch (e) { seen = e.name; }
              let early = 1;
            }
            seen
            """);

        value.Should().Be("\"ReferenceError\"");
    }

    [Test]
    public async Task Assigning_to_a_const_is_a_type_error()
    {
        var value = await ValueOf("""
            const fixed = 1;
            let caught;
            try { fixed = 2; } catch (e) { caught = e.name; }
            [fixed, caught]
            """);

        value.Should().Be("""[1,"TypeError"]""");
    }

    [Test]
    public async Task Labelled_continue_in_nested_let_loops_keeps_each_iterations_binding()
    {
        var value = await ValueOf("""
            const pairs = [];
            outer: for (let i = 0; i < 3; i++) {
              for (let j = 0; j < 3; j++) {
                if (j > i) continue outer;
                pairs.push(() => `${i}${j}`);
              }
            }
            pairs.map(f => f())
            """);

        value.Should().Be("""["00","10","11","20","21","22"]""");
    }

    // Functions

    [Test]
    public async Task Arrow_functions_with_expression_and_object_bodies()
    {
        var value = await ValueOf("""
            const add = (a, b) => a + b;
            const square = x => x * x;
            const wrap = () => ({ wrapped: true });
            [add(2, 3), square(4), wrap()]
            """);

        value.Should().Be("""[5,16,{"wrapped":true}]""");
    }

    [Test]
    public async Task Arrow_functions_take_this_from_the_enclosing_method()
    {
        var value = await ValueOf("""
            const counter = {
              count: 0,
              addAll(numbers) { numbers.forEach(n => { this.count += n; }); return this.count; },
            };
            counter.addAll([1, 2, 3])
            """);

        value.Should().Be("6");
    }

    [Test]
    public async Task Default_parameters_may_use_earlier_parameters()
    {
        var value = await ValueOf("""
            function greet(name = 'world', mark = name.length > 3 ? '!' : '.') { return `hello ${name}${mark}`; }
            [greet(), greet('ann'), greet(undefined, '?')]
            """);

        value.Should().Be("""["hello world!","hello ann.","hello world?"]""");
    }

    // Classes

    [Test]
    public async Task Classes_have_fields_static_members_getters_and_setters()
    {
        var value = await ValueOf("""
            class Temperature {
              celsius = 0;
              static created = 0;
              constructor(celsius) { this.celsius = celsius; Temperature.created++; }
              get fahrenheit() { return this.celsius * 9 / 5 + 32; }
              set fahrenheit(f) { this.celsius = (f - 32) * 5 / 9; }
              static fromFahrenheit(f) { const t = new Temperature(0); t.fahrenheit = f; return t; }
            }
            const boiling = new Temperature(100);
            [boiling.fahrenheit, Temperature.fromFahrenheit(212).celsius, Temperature.created]
            """);

        value.Should().Be("[212,100,2]");
    }

    [Test]
    public async Task Subclasses_call_super_and_override_methods()
    {
        var value = await ValueOf("""
            class Shape {
              constructor(kind) { this.kind = kind; }
              area() { return 0; }
              describe() { return `${this.kind} of area ${this.area()}`; }
            }
            class Rect extends Shape {
              constructor(w, h) { super('rect'); this.w = w; this.h = h; }
              area() { return this.w * this.h; }
              describe() { return super.describe() + '!'; }
            }
            const r = new Rect(2, 3);
            [r.describe(), r instanceof Shape, Object.getPrototypeOf(Rect) === Shape, r.constructor.name]
            """);

        value.Should().Be("""["rect of area 6!",true,true,"Rect"]""");
    }

    [Test]
    public async Task Private_fields_and_methods_are_hidden_from_outside_the_class()
    {
        var value = await ValueOf("""
            class Account {
              #balance = 0;
              static #opened = 0;
              constructor() { Account.#opened++; }
              deposit(amount) { this.#balance += amount; return this; }
              #fee() { return 1; }
              get balance() { return this.#balance - this.#fee(); }
              static get opened() { return Account.#opened; }
              static isAccount(o) { return #balance in o; }
            }
            const account = new Account().deposit(50).deposit(25);
            [account.balance, Object.keys(account), JSON.stringify(account), Account.opened, Account.isAccount(account), Account.isAccount({})]
            """);

        value.Should().Be("""[74,[],"{}",1,true,false]""");
    }

    [Test]
    public async Task Reading_a_private_field_outside_its_class_is_a_syntax_error()
    {
        var result = await RunAsync("""
            console.log('never printed');
            class Vault { #secret = 1; }
            new Vault().#secret
            """);

        result.Status.Should().Be(ExecutionStatus.SyntaxError);
        result.Stdout.Should().BeEmpty();
    }

    [Test]
    public async Task Static_initialization_blocks_run_once_when_the_class_is_defined()
    {
        var value = await ValueOf("""
            class Config {
              static values;
              static { Config.values = [1, 2, 3].map(x => x * 10); }
            }
            Config.values
            """);

        value.Should().Be("[10,20,30]");
    }

    // Template literals

    [Test]
    public async Task Template_literals_interpolate_expressions_and_span_lines()
    {
        var value = await ValueOf("""
            const item = 'tea', quantity = 3, price = 1.5;
            const line = `${quantity} x ${item} = ${(quantity * price).toFixed(2)}`;
            const text = `first
            second`;
            [line, text.split('\n').length]
            """);

        value.Should().Be("""["3 x tea = 4.50",2]""");
    }

    [Test]
    public async Task Template_literals_nest_inside_each_other()
    {
        var value = await ValueOf("""
            const rows = [{ name: 'a', ok: true }, { name: 'b', ok: false }];
            `<ul>${rows.map(r => `<li>${r.name}${r.ok ? '' : ` (${'failed'})`}</li>`).join('')}</ul>`
            """);

        value.Should().Be("\"<ul><li>a</li><li>b (failed)</li></ul>\"");
    }

    [Test]
    public async Task Tagged_templates_receive_the_strings_and_the_values()
    {
        var value = await ValueOf("""
            const shout = (strings, ...values) =>
              strings.reduce((out, s, i) => out + s + (i < values.length ? String(values[i]).toUpperCase() : ''), '');
            [shout`name: ${'ada'}, lang: ${'js'}.`, String.raw`C:\new\table`]
            """);

        value.Should().Be("""["name: ADA, lang: JS.","C:\\new\\table"]""");
    }

    // Destructuring and spread

    [Test]
    public async Task Object_destructuring_with_defaults_renaming_and_nesting()
    {
        var value = await ValueOf("""
            const { host, port = 8080, user: { name: login } = { name: 'guest' } } = { host: 'db' };
            [host, port, login]
            """);

        value.Should().Be("""["db",8080,"guest"]""");
    }

    [Test]
    public async Task Array_destructuring_swaps_nests_and_skips()
    {
        var value = await ValueOf("""
            let a = 1, b = 2;
            [a, b] = [b, a];
            const [[x1, y1], [x2 = 9, y2]] = [[1, 2], [undefined, 4]];
            const [, second, , fourth] = 'wxyz';
            [a, b, x1, y1, x2, y2, second, fourth]
            """);

        value.Should().Be("""[2,1,1,2,9,4,"x","z"]""");
    }

    [Test]
    public async Task Rest_elements_collect_what_destructuring_left()
    {
        var value = await ValueOf("""
            const [first, ...others] = [1, 2, 3, 4];
            const { id, ...fields } = { id: 7, name: 'x', tags: [] };
            [first, others, id, fields]
            """);

        value.Should().Be("""[1,[2,3,4],7,{"name":"x","tags":[]}]""");
    }

    [Test]
    public async Task Parameters_destructure_and_gather_the_rest()
    {
        var value = await ValueOf("""
            const describe = ({ name, tags: [firstTag = 'none'] = [] }, ...rest) => `${name}:${firstTag}:${rest.length}`;
            [describe({ name: 'a', tags: ['t'] }, 1, 2), describe({ name: 'b' })]
            """);

        value.Should().Be("""["a:t:2","b:none:0"]""");
    }

    [Test]
    public async Task Spread_in_calls_and_array_literals()
    {
        var value = await ValueOf("""
            const numbers = [3, 9, 4];
            [Math.max(...numbers), [0, ...numbers, 10], [...'hey'], [...new Set([1, 1, 2])]]
            """);

        value.Should().Be("""[9,[0,3,9,4,10],["h","e","y"],[1,2]]""");
    }

    [Test]
    public async Task Spread_in_object_literals_copies_and_overrides()
    {
        var value = await ValueOf("""
            const defaults = { retries: 3, verbose: false };
            const options = { ...defaults, verbose: true, ...null, ...undefined };
            [options, defaults.verbose]
            """);

        value.Should().Be("""[{"retries":3,"verbose":true},false]""");
    }

    [Test]
    public async Task Shorthand_properties_computed_keys_and_methods()
    {
        var value = await ValueOf("""
            const key = 'dynamic', x = 1;
            const object = { x, [key + 'Name']: 'v', [`${key}_${2}`]: 2, method() { return this.x + 1; } };
            [object, object.method()]
            """);

        value.Should().Be("""[{"x":1,"dynamicName":"v","dynamic_2":2},2]""");
    }

    // Optional chaining, nullish coalescing, logical assignment

    [Test]
    public async Task Optional_chaining_and_nullish_coalescing()
    {
        var value = await ValueOf("""
            const user = { profile: { email: null }, greet() { return 'hi'; } };
            [user.profile?.email ?? 'none', user.address?.city, user.address?.city ?? 'unknown',
             user.greet?.(), user.missing?.(), user.list?.[0], 0 ?? 1, 0 || 1, '' ?? 'x']
            """);

        value.Should().Be("""["none",null,"unknown","hi",null,null,0,1,""]""");
    }

    [Test]
    public async Task Logical_assignment_operators()
    {
        var value = await ValueOf("""
            const config = { retries: 0, name: '', cache: null };
            config.retries ??= 5;
            config.name ||= 'default';
            config.cache ??= {};
            config.timeout ??= 30;
            let hits = 2;
            hits &&= hits * 10;
            [config, hits]
            """);

        value.Should().Be("""[{"retries":0,"name":"default","cache":{},"timeout":30},20]""");
    }

    // Iteration

    [Test]
    public async Task For_of_walks_arrays_maps_and_sets()
    {
        var value = await ValueOf("""
            const out = [];
            for (const n of [1, 2]) out.push(n);
            for (const [key, count] of new Map([['a', 1], ['b', 2]])) out.push(key + count);
            for (const tag of new Set(['x', 'x', 'y'])) out.push(tag);
            out
            """);

        value.Should().Be("""[1,2,"a1","b2","x","y"]""");
    }

    [Test]
    public async Task For_of_walks_a_string_by_code_point()
    {
        var value = await ValueOf("""
            const codes = [];
            for (const ch of 'a\u{1F600}b') codes.push(ch.codePointAt(0).toString(16));
            [codes, 'a\u{1F600}b'.length]
            """);

        value.Should().Be("""[["61","1f600","62"],4]""");
    }

    [Test]
    public async Task Generators_yield_lazily_and_finish()
    {
        var value = await ValueOf("""
            function* range(start, end, step = 1) { for (let i = start; i < end; i += step) yield i; }
            const walk = range(0, 3);
            [[...range(0, 10, 3)], walk.next(), walk.next().value, [...walk], walk.next()]
            """);

        value.Should().Be("""[[0,3,6,9],{"value":0,"done":false},1,[2],{"done":true}]""");
    }

    [Test]
    public async Task An_endless_generator_is_stopped_by_break_and_delegates_with_yield_star()
    {
        var value = await ValueOf("""
            function* naturals() { let n = 1; while (true) yield n++; }
            function* framed() { yield 'start'; yield* ['a', 'b']; yield 'end'; }
            const firstThree = [];
            for (const n of naturals()) { if (n > 3) break; firstThree.push(n); }
            [firstThree, [...framed()]]
            """);

        value.Should().Be("""[[1,2,3],["start","a","b","end"]]""");
    }

    [Test]
    public async Task Objects_with_symbol_iterator_are_iterable()
    {
        var value = await ValueOf("""
            class Countdown {
              constructor(from) { this.from = from; }
              *[Symbol.iterator]() { for (let i = this.from; i > 0; i--) yield i; }
            }
            const pair = {
              items: ['x', 'y'],
              [Symbol.iterator]() {
                let i = 0;
                return { next: () => i < this.items.length ? { value: this.items[i++], done: false } : { value: undefined, done: true } };
              },
            };
            [[...new Countdown(3)], Array.from(pair), Math.max(...new Countdown(4))]
            """);

        value.Should().Be("""[[3,2,1],["x","y"],4]""");
    }

    // Collections

    [Test]
    public async Task Maps_keep_insertion_order_and_take_any_key()
    {
        var value = await ValueOf("""
            const m = new Map();
            const key = { id: 1 };
            m.set('b', 2).set('a', 1).set(key, 'object');
            m.set('b', 20);
            [m.size, m.get(key), m.get('b'), [...m.keys()].filter(k => typeof k === 'string'), m.has('z'), m.delete('a'), m.size]
            """);

        value.Should().Be("""[3,"object",20,["b","a"],false,true,2]""");
    }

    [Test]
    public async Task Sets_keep_unique_values()
    {
        var value = await ValueOf("""
            const a = new Set([1, 2, 3, 3]);
            const b = new Set([2, 3, 4]);
            [a.size, [...a].filter(x => b.has(x)), [...new Set([...a, ...b])].sort((x, y) => x - y)]
            """);

        value.Should().Be("[3,[2,3],[1,2,3,4]]");
    }

    [Test]
    public async Task Weak_maps_take_objects_as_keys_only()
    {
        var value = await ValueOf("""
            const notes = new WeakMap();
            const target = {};
            notes.set(target, 'tagged');
            let refused;
            try { notes.set('text', 1); } catch (e) { refused = e.name; }
            [notes.get(target), notes.has({}), refused]
            """);

        value.Should().Be("""["tagged",false,"TypeError"]""");
    }

    // Asynchronous code

    [Test]
    public async Task Async_functions_await_one_another_and_the_final_promise_is_awaited()
    {
        var value = await ValueOf("""
            const double = async x => x * 2;
            async function pipeline() { const a = await double(2); const b = await double(a); return [a, b]; }
            (async () => await pipeline())()
            """);

        value.Should().Be("[4,8]");
    }

    [Test]
    public async Task An_awaited_rejection_is_caught_by_try_catch()
    {
        var value = await ValueOf("""
            async function fail() { throw new RangeError('bad input'); }
            (async () => {
              try { await fail(); return 'not reached'; } catch (e) { return `${e.name}: ${e.message}`; }
            })()
            """);

        value.Should().Be("\"RangeError: bad input\"");
    }

    [Test]
    public async Task Code_after_an_await_runs_after_the_synchronous_code()
    {
        var result = await RunAsync("""
            console.log('1 sync');
            (async () => { console.log('2 in async'); await null; console.log('4 after await'); })();
            console.log('3 sync');
            """);

        result.Status.Should().Be(ExecutionStatus.Completed);
        result.Stdout.Should().Be("1 sync\n2 in async\n3 sync\n4 after await\n");
    }

    [Test]
    public async Task Promise_all_gathers_results_in_order()
    {
        var value = await ValueOf("""
            const lookup = async id => ({ id, even: id % 2 === 0 });
            (async () => {
              const results = await Promise.all([1, 2, 3, 4].map(lookup));
              return results.filter(r => r.even).map(r => r.id);
            })()
            """);

        value.Should().Be("[2,4]");
    }

    [Test]
    public async Task Promise_all_settled_reports_each_outcome()
    {
        var value = await ValueOf("""
            Promise.allSettled([Promise.resolve(1), Promise.reject(new Error('no')), 3])
              .then(outcomes => outcomes.map(o => o.status === 'fulfilled' ? o.value : o.reason.message))
            """);

        value.Should().Be("""[1,"no",3]""");
    }

    // Numbers

    [Test]
    public async Task BigInt_arithmetic_is_exact()
    {
        var value = await ValueOf("""
            const big = 2n ** 100n;
            [big.toString(), typeof big, (big % 1000n).toString(), 7n / 2n === 3n, BigInt(Number.MAX_SAFE_INTEGER) + 2n === 9007199254740993n]
            """);

        value.Should().Be("""["1267650600228229401496703205376","bigint","376",true,true]""");
    }

    [Test]
    public async Task Mixing_bigint_and_number_is_a_type_error()
    {
        var value = await ValueOf("""
            let caught;
            try { 1n + 1; } catch (e) { caught = e.name; }
            [caught, 1n + BigInt(1) === 2n, Number(5n) + 1]
            """);

        value.Should().Be("""["TypeError",true,6]""");
    }

    [Test]
    public async Task Exponent_operator_and_its_assignment()
    {
        var value = await ValueOf("""
            let x = 3;
            x **= 2;
            [2 ** 10, (-2) ** 3, 2 ** -1, 2 ** 3 ** 2, x]
            """);

        value.Should().Be("[1024,-8,0.5,512,9]");
    }

    [Test]
    public async Task Numeric_separators_and_binary_octal_literals()
    {
        var value = await ValueOf("[1_000_000, 0.000_5, 0xFF_FF, 0b1010, 0o17, 1_0e1_0 === 10e10]");

        value.Should().Be("[1000000,0.0005,65535,10,15,true]");
    }

    // Built-ins

    [Test]
    public async Task Array_flat_flat_map_at_and_find_last()
    {
        var value = await ValueOf("""
            const nested = [1, [2, [3, [4]]]];
            const values = [5, 12, 8, 130, 44];
            [nested.flat(), nested.flat(Infinity), ['a b', 'c'].flatMap(s => s.split(' ')),
             values.at(-1), values.at(0), values.findLast(n => n > 10), values.findLastIndex(n => n > 200)]
            """);

        value.Should().Be("""[[1,2,[3,[4]]],[1,2,3,4],["a","b","c"],44,5,44,-1]""");
    }

    [Test]
    public async Task Array_sort_is_stable()
    {
        var value = await ValueOf("""
            const people = [{ n: 'a', g: 1 }, { n: 'b', g: 0 }, { n: 'c', g: 1 }, { n: 'd', g: 0 }, { n: 'e', g: 1 }];
            people.sort((x, y) => x.g - y.g).map(p => p.n).join('')
            """);

        value.Should().Be("\"bdace\"");
    }

    [Test]
    public async Task Object_entries_from_entries_values_and_has_own()
    {
        var value = await ValueOf("""
            const prices = { apple: 1.25, pear: 0.75, fig: 2.5 };
            const doubled = Object.fromEntries(Object.entries(prices).map(([name, price]) => [name, price * 2]));
            [Object.entries(prices)[0], doubled, Object.fromEntries(new Map([['x', 1]])),
             Object.values(prices).reduce((a, b) => a + b, 0), Object.hasOwn(prices, 'fig'), Object.hasOwn(prices, 'toString')]
            """);

        value.Should().Be("""[["apple",1.25],{"apple":2.5,"pear":1.5,"fig":5},{"x":1},4.5,true,false]""");
    }

    [Test]
    public async Task String_pad_replace_all_at_trim_and_repeat()
    {
        var value = await ValueOf("""
            ['7'.padStart(3, '0'), 'ab'.padEnd(5, '.'), 'a-b-c'.replaceAll('-', '+'), 'a1b22'.replaceAll(/\d+/g, '#'),
             'hello'.at(-1), '  both  '.trimStart(), '  both  '.trimEnd(), 'ab'.repeat(3)]
            """);

        value.Should().Be("""["007","ab...","a+b+c","a#b#","o","both  ","  both","ababab"]""");
    }

    [Test]
    public async Task Error_cause_keeps_the_original_error()
    {
        var value = await ValueOf("""
            let wrapped;
            try {
              try { null.field; } catch (e) { throw new Error('loading failed', { cause: e }); }
            } catch (e) { wrapped = e; }
            [wrapped.message, wrapped.cause.name, wrapped.cause instanceof TypeError]
            """);

        value.Should().Be("""["loading failed","TypeError",true]""");
    }

    [Test]
    public async Task A_catch_clause_may_leave_out_its_binding()
    {
        var value = await ValueOf("""
            let parsed;
            try { parsed = JSON.parse('{broken'); } catch { parsed = 'fallback'; }
            parsed
            """);

        value.Should().Be("\"fallback\"");
    }

    // Regular expressions

    [Test]
    public async Task Regex_named_groups_in_match_and_replace()
    {
        var value = await ValueOf("""
            const m = '2024-03-15'.match(/(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})/);
            [m.groups.year, m.groups.day, '2024-03-15'.replace(/(?<y>\d+)-(?<m>\d+)-(?<d>\d+)/, '$<d>/$<m>/$<y>')]
            """);

        value.Should().Be("""["2024","15","15/03/2024"]""");
    }

    [Test]
    public async Task Match_all_lists_every_match_with_its_groups_and_index()
    {
        var value = await ValueOf("""
            [...'a=1;bb=22'.matchAll(/(?<key>\w+)=(?<value>\d+)/g)].map(m => `${m.groups.key}:${m.groups.value}@${m.index}`)
            """);

        value.Should().Be("""["a:1@0","bb:22@4"]""");
    }

    [Test]
    public async Task Regex_lookbehind_positive_and_negative()
    {
        var value = await ValueOf("""
            ['price: $42, cost: $7, count: 9'.match(/(?<=\$)\d+/g), 'a1b2'.replace(/(?<!a)\d/g, '#')]
            """);

        value.Should().Be("""[["42","7"],"a1b#"]""");
    }

    [Test]
    public async Task Sticky_regex_matches_only_at_last_index()
    {
        var value = await ValueOf("""
            const sticky = /foo/y;
            const ends = [];
            while (sticky.test('foofoo foo')) ends.push(sticky.lastIndex);
            [ends, sticky.lastIndex, /foo/y.test('xfoo'), /foo/.test('xfoo')]
            """);

        value.Should().Be("[[3,6],0,false,true]");
    }

    [Test]
    public async Task Unicode_regex_matches_code_points_and_properties()
    {
        var value = await ValueOf("""
            const smile = '\u{1F600}';
            [smile.length, /^.$/.test(smile), /^.$/u.test(smile), /\u{1F600}/u.test(smile), /^\p{Lu}\p{Ll}+$/u.test('\u00C9cole'), [...`a${smile}`.matchAll(/./gu)].length]
            """);

        value.Should().Be("[2,false,true,true,true,2]");
    }

    [Test]
    public async Task The_dot_all_flag_lets_the_dot_match_a_newline()
    {
        var value = await ValueOf("""
            [/start.end/.test('start\nend'), /start.end/s.test('start\nend'), /a.c/s.flags]
            """);

        value.Should().Be("""[false,true,"s"]""");
    }
}
