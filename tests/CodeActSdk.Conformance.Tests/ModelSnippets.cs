namespace CodeActSdk.Conformance.Tests;

/// <summary>
/// Short programs of the kind a model writes in a CodeAct step (parse, group, sort, format, compute, print), each with
/// exactly what it must give: the JSON of its value, or what it prints. Plain ECMAScript 2022 and the sandbox's console;
/// nothing that depends on the machine's locale or time zone.
/// </summary>
internal static class ModelSnippets
{
    /// <summary>Snippets whose last expression is the result: (name, code, the value's exact JSON).</summary>
    public static readonly (string Name, string Code, string ExpectedJson)[] Values =
    [
        ("sum_a_field_of_parsed_json",
            """
            const raw = '{"orders":[{"id":1,"total":19.99},{"id":2,"total":5.01},{"id":3,"total":75}]}';
            const data = JSON.parse(raw);
            const total = data.orders.reduce((sum, o) => sum + o.total, 0);
            Math.round(total * 100) / 100
            """,
            "100"),

        ("group_and_sum_with_reduce_into_an_object",
            """
            const sales = [
              { region: 'north', amount: 120 },
              { region: 'south', amount: 80 },
              { region: 'north', amount: 30 },
              { region: 'east', amount: 50 },
              { region: 'south', amount: 20 },
            ];
            const byRegion = sales.reduce((acc, { region, amount }) => {
              acc[region] = (acc[region] || 0) + amount;
              return acc;
            }, {});
            byRegion
            """,
            """{"north":150,"south":100,"east":50}"""),

        ("group_into_a_map_of_lists",
            """
            const words = ['apple', 'avocado', 'banana', 'blueberry', 'cherry', 'apricot'];
            const byLetter = new Map();
            for (const w of words) {
              const letter = w[0];
              if (!byLetter.has(letter)) byLetter.set(letter, []);
              byLetter.get(letter).push(w);
            }
            Object.fromEntries(byLetter)
            """,
            """{"a":["apple","avocado","apricot"],"b":["banana","blueberry"],"c":["cherry"]}"""),

        ("sort_records_by_two_keys_with_a_comparator_arrow",
            """
            const people = [
              { name: 'Dana', age: 31 },
              { name: 'Ali', age: 25 },
              { name: 'Chen', age: 31 },
              { name: 'Bo', age: 19 },
            ];
            people.sort((a, b) => b.age - a.age || a.name.localeCompare(b.name)).map(p => p.name)
            """,
            """["Chen","Dana","Ali","Bo"]"""),

        ("sort_numbers_numerically_not_as_text",
            """
            const values = [10, 9, 100, 1, 25];
            [[...values].sort(), [...values].sort((a, b) => a - b)]
            """,
            "[[1,10,100,25,9],[1,9,10,25,100]]"),

        ("format_an_invoice_with_to_fixed_and_templates",
            """
            const items = [{ name: 'Widget', price: 4.5, qty: 3 }, { name: 'Gadget', price: 12.999, qty: 1 }];
            items.map(({ name, price, qty }) => `${name.padEnd(8)}${qty} x $${price.toFixed(2)} = $${(price * qty).toFixed(2)}`)
            """,
            """["Widget  3 x $4.50 = $13.50","Gadget  1 x $13.00 = $13.00"]"""),

        ("mean_median_and_standard_deviation",
            """
            const data = [2, 4, 4, 4, 5, 5, 7, 9];
            const mean = data.reduce((a, b) => a + b, 0) / data.length;
            const sorted = [...data].sort((a, b) => a - b);
            const mid = Math.floor(sorted.length / 2);
            const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
            const variance = data.reduce((s, x) => s + (x - mean) ** 2, 0) / data.length;
            ({ mean, median, stddev: Math.sqrt(variance), min: Math.min(...data), max: Math.max(...data) })
            """,
            """{"mean":5,"median":4.5,"stddev":2,"min":2,"max":9}"""),

        ("top_three_words_by_frequency",
            """
            const text = 'the quick brown fox jumps over the lazy dog the fox';
            const counts = {};
            for (const w of text.split(/\s+/)) counts[w] = (counts[w] ?? 0) + 1;
            Object.entries(counts).sort(([, a], [, b]) => b - a).slice(0, 3)
            """,
            """[["the",3],["fox",2],["quick",1]]"""),

        ("slugify_titles",
            """
            const slugify = s => s.toLowerCase().trim().replace(/[^a-z0-9\s-]/g, '').replace(/\s+/g, '-').replace(/-+/g, '-');
            ['  Hello, World!  ', 'CodeAct: Agents & Tools', 'Multiple   spaces -- here'].map(slugify)
            """,
            """["hello-world","codeact-agents-tools","multiple-spaces-here"]"""),

        ("title_case_a_sentence",
            """
            const titleCase = s => s.split(' ').map(w => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join(' ');
            titleCase('the LORD of the rINGS')
            """,
            "\"The Lord Of The Rings\""),

        ("parse_csv_into_records_and_total_them",
            """
            const csv = `name,qty,price
            apple,3,0.5
            pear,10,0.25
            fig,1,2
            `;
            const [header, ...rows] = csv.trim().split('\n');
            const keys = header.split(',');
            const records = rows.map(line => Object.fromEntries(line.split(',').map((v, i) => [keys[i], isNaN(v) ? v : Number(v)])));
            ({ records, total: records.reduce((s, r) => s + r.qty * r.price, 0) })
            """,
            """{"records":[{"name":"apple","qty":3,"price":0.5},{"name":"pear","qty":10,"price":0.25},{"name":"fig","qty":1,"price":2}],"total":6}"""),

        ("utc_dates_and_iso_strings",
            """
            const start = new Date(Date.UTC(2024, 0, 31, 12, 0, 0));
            const next = new Date(start.getTime() + 24 * 60 * 60 * 1000);
            [start.toISOString(), next.toISOString(), next.getUTCMonth() + 1, next.getUTCDay()]
            """,
            """["2024-01-31T12:00:00.000Z","2024-02-01T12:00:00.000Z",2,4]"""),

        ("days_between_two_dates_across_a_leap_day",
            """
            const DAY_MS = 24 * 60 * 60 * 1000;
            const from = Date.UTC(2024, 1, 20), to = Date.UTC(2024, 2, 5);
            Math.round((to - from) / DAY_MS)
            """,
            "14"),

        ("parse_iso_date_strings",
            """
            const stamp = Date.parse('2024-03-10T08:30:00Z');
            [stamp, new Date('2024-03-10').toISOString(), new Date(stamp + 90 * 60 * 1000).toISOString(), new Date(0).toISOString()]
            """,
            """[1710059400000,"2024-03-10T00:00:00.000Z","2024-03-10T10:00:00.000Z","1970-01-01T00:00:00.000Z"]"""),

        ("format_a_date_by_hand",
            """
            const d = new Date(Date.UTC(2024, 6, 4, 9, 5, 3));
            const pad = n => String(n).padStart(2, '0');
            `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
            """,
            "\"2024-07-04 09:05\""),

        ("group_iso_dates_by_month",
            """
            const isoDates = ['2024-01-15', '2024-02-03', '2024-01-28', '2024-03-01', '2024-02-29'];
            isoDates.reduce((acc, iso) => {
              const month = iso.slice(0, 7);
              (acc[month] ??= []).push(Number(iso.slice(8)));
              return acc;
            }, {})
            """,
            """{"2024-01":[15,28],"2024-02":[3,29],"2024-03":[1]}"""),

        ("remove_duplicates_by_key_keeping_the_first",
            """
            const events = [{ id: 3, t: 'a' }, { id: 1, t: 'b' }, { id: 3, t: 'c' }, { id: 2, t: 'd' }, { id: 1, t: 'e' }];
            const seen = new Set();
            events.filter(e => !seen.has(e.id) && seen.add(e.id)).map(e => e.t)
            """,
            """["a","b","d"]"""),

        ("headcount_with_flat_map",
            """
            const departments = [
              { name: 'eng', teams: [{ members: ['a', 'b'] }, { members: ['c'] }] },
              { name: 'ops', teams: [{ members: ['d', 'e', 'f', 'g'] }] },
            ];
            departments.map(d => ({ name: d.name, headcount: d.teams.flatMap(t => t.members).length }))
            """,
            """[{"name":"eng","headcount":3},{"name":"ops","headcount":4}]"""),

        ("chunk_an_array",
            """
            const chunk = (arr, size) => Array.from({ length: Math.ceil(arr.length / size) }, (_, i) => arr.slice(i * size, i * size + size));
            chunk([1, 2, 3, 4, 5, 6, 7], 3)
            """,
            "[[1,2,3],[4,5,6],[7]]"),

        ("default_nested_fields_with_optional_chaining",
            """
            const responses = [{ user: { address: { city: 'Oslo' } } }, { user: {} }, {}, null];
            responses.map(r => r?.user?.address?.city ?? 'n/a')
            """,
            """["Oslo","n/a","n/a","n/a"]"""),

        ("transpose_and_multiply_matrices",
            """
            const a = [[1, 2], [3, 4]], b = [[5, 6], [7, 8]];
            const transpose = m => m[0].map((_, c) => m.map(row => row[c]));
            const multiply = (x, y) => x.map(row => transpose(y).map(col => row.reduce((s, v, i) => s + v * col[i], 0)));
            ({ transposed: transpose(a), product: multiply(a, b) })
            """,
            """{"transposed":[[1,3],[2,4]],"product":[[19,22],[43,50]]}"""),

        ("exact_factorial_with_bigint",
            """
            const factorial = n => (n <= 1n ? 1n : n * factorial(n - 1n));
            factorial(25n).toString()
            """,
            "\"15511210043330985984000000\""),

        ("primes_with_a_sieve",
            """
            const sieve = n => {
              const isPrime = Array(n + 1).fill(true);
              isPrime[0] = isPrime[1] = false;
              for (let i = 2; i * i <= n; i++) if (isPrime[i]) for (let j = i * i; j <= n; j += i) isPrime[j] = false;
              return isPrime.reduce((primes, p, i) => (p ? [...primes, i] : primes), []);
            };
            sieve(30)
            """,
            "[2,3,5,7,11,13,17,19,23,29]"),

        ("inventory_class_with_a_private_map",
            """
            class Inventory {
              #items = new Map();
              add(name, qty) { this.#items.set(name, (this.#items.get(name) ?? 0) + qty); return this; }
              remove(name, qty) {
                const left = (this.#items.get(name) ?? 0) - qty;
                if (left < 0) throw new Error(`not enough ${name}`);
                this.#items.set(name, left);
                return this;
              }
              get summary() { return Object.fromEntries(this.#items); }
            }
            const inventory = new Inventory().add('bolt', 10).add('nut', 5).remove('bolt', 3);
            let error = null;
            try { inventory.remove('nut', 9); } catch (e) { error = e.message; }
            ({ ...inventory.summary, error })
            """,
            """{"bolt":7,"nut":5,"error":"not enough nut"}"""),

        ("money_in_cents_avoids_float_drift",
            """
            const toCents = x => Math.round(x * 100);
            const amounts = [0.1, 0.2, 0.3];
            const naive = amounts.reduce((a, b) => a + b, 0);
            const exact = amounts.map(toCents).reduce((a, b) => a + b, 0) / 100;
            [naive === 0.6, naive, exact, naive.toFixed(2)]
            """,
            """[false,0.6000000000000001,0.6,"0.60"]"""),

        ("extract_emails_with_a_regex",
            """
            const text = 'Contact ana@example.com or bo.li@test.org; not an@ email.';
            text.match(/[\w.]+@\w+\.[a-z]{2,}/g)
            """,
            """["ana@example.com","bo.li@test.org"]"""),

        ("parse_log_lines_with_named_groups",
            """
            const lines = ['2024-05-01 ERROR disk full', '2024-05-01 INFO started', '2024-05-02 ERROR timeout'];
            const parsed = lines.map(l => l.match(/^(?<date>\S+) (?<level>[A-Z]+) (?<msg>.+)$/).groups);
            parsed.filter(p => p.level === 'ERROR').map(({ date, msg }) => ({ date, msg }))
            """,
            """[{"date":"2024-05-01","msg":"disk full"},{"date":"2024-05-02","msg":"timeout"}]"""),

        ("palindromes_ignoring_case_and_punctuation",
            """
            const isPalindrome = s => {
              const clean = s.toLowerCase().replace(/[^a-z0-9]/g, '');
              return clean === [...clean].reverse().join('');
            };
            ['A man, a plan, a canal: Panama', 'hello', 'Was it a car or a cat I saw?'].map(isPalindrome)
            """,
            "[true,false,true]"),

        ("thousands_separators_with_a_regex",
            """
            const withCommas = n => n.toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
            [withCommas(1234567.891), withCommas(999), withCommas(1000)]
            """,
            """["1,234,567.89","999.00","1,000.00"]"""),

        ("vote_shares_as_percentages",
            """
            const votes = { yes: 37, no: 21, abstain: 5 };
            const total = Object.values(votes).reduce((a, b) => a + b, 0);
            Object.fromEntries(Object.entries(votes).map(([k, v]) => [k, `${((v / total) * 100).toFixed(1)}%`]))
            """,
            """{"yes":"58.7%","no":"33.3%","abstain":"7.9%"}"""),

        ("paths_of_a_tree_by_recursion",
            """
            const tree = { name: 'root', children: [{ name: 'a', children: [{ name: 'a1', children: [] }] }, { name: 'b', children: [] }] };
            const paths = (node, prefix = '') => {
              const here = prefix ? `${prefix}/${node.name}` : node.name;
              return [here, ...node.children.flatMap(c => paths(c, here))];
            };
            paths(tree)
            """,
            """["root","root/a","root/a/a1","root/b"]"""),

        ("deep_merge_of_settings",
            """
            const isObject = v => v !== null && typeof v === 'object' && !Array.isArray(v);
            const merge = (a, b) => {
              const out = { ...a };
              for (const [k, v] of Object.entries(b)) out[k] = isObject(v) && isObject(a[k]) ? merge(a[k], v) : v;
              return out;
            };
            merge({ db: { host: 'localhost', port: 5432 }, debug: false, tags: ['a'] }, { db: { port: 6543 }, debug: true, tags: ['b'] })
            """,
            """{"db":{"host":"localhost","port":6543},"debug":true,"tags":["b"]}"""),

        ("prices_looked_up_concurrently_with_promise_all",
            """
            const fetchPrice = async symbol => ({ AAA: 10.5, BBB: 20.25, CCC: 3 })[symbol];
            (async () => {
              const symbols = ['AAA', 'BBB', 'CCC'];
              const prices = await Promise.all(symbols.map(fetchPrice));
              const portfolio = Object.fromEntries(symbols.map((s, i) => [s, prices[i]]));
              return { portfolio, total: prices.reduce((a, b) => a + b, 0) };
            })()
            """,
            """{"portfolio":{"AAA":10.5,"BBB":20.25,"CCC":3},"total":33.75}"""),

        ("retry_an_async_call_until_it_succeeds",
            """
            let attempts = 0;
            const flaky = async () => {
              attempts++;
              if (attempts < 3) throw new Error(`attempt ${attempts} failed`);
              return 'ok';
            };
            (async () => {
              const errors = [];
              for (let i = 0; i < 5; i++) {
                try { return { result: await flaky(), attempts, errors }; } catch (e) { errors.push(e.message); }
              }
              return { result: null, attempts, errors };
            })()
            """,
            """{"result":"ok","attempts":3,"errors":["attempt 1 failed","attempt 2 failed"]}"""),

        ("vowels_and_the_most_frequent_letter",
            """
            const s = 'Programming in JavaScript';
            const vowels = (s.match(/[aeiou]/gi) || []).length;
            const freq = [...s.toLowerCase().replace(/\s/g, '')].reduce((m, c) => m.set(c, (m.get(c) || 0) + 1), new Map());
            const [topChar, topCount] = [...freq].sort((a, b) => b[1] - a[1])[0];
            ({ vowels, topChar, topCount })
            """,
            """{"vowels":7,"topChar":"r","topCount":3}"""),

        ("tag_sets_compared",
            """
            const a = new Set(['js', 'ts', 'go']), b = new Set(['go', 'rust', 'js']);
            ({ both: [...a].filter(x => b.has(x)), onlyA: [...a].filter(x => !b.has(x)), all: [...new Set([...a, ...b])].sort() })
            """,
            """{"both":["js","go"],"onlyA":["ts"],"all":["go","js","rust","ts"]}"""),

        ("validate_rows_and_collect_problems",
            """
            const records = [{ email: 'a@x.io', age: 30 }, { email: 'bad', age: 17 }, { email: 'c@y.com' }];
            records.flatMap((r, i) => [
              ...(/^[^@\s]+@[^@\s]+\.\w+$/.test(r.email) ? [] : [`row ${i}: invalid email`]),
              ...(typeof r.age !== 'number' ? [`row ${i}: missing age`] : r.age < 18 ? [`row ${i}: under 18`] : []),
            ])
            """,
            """["row 1: invalid email","row 1: under 18","row 2: missing age"]"""),

        ("histogram_of_ages_in_buckets",
            """
            const ages = [3, 17, 25, 31, 38, 44, 59, 61, 70];
            const buckets = {};
            for (const age of ages) {
              const lo = Math.floor(age / 20) * 20;
              const key = `${lo}-${lo + 19}`;
              buckets[key] = (buckets[key] || 0) + 1;
            }
            buckets
            """,
            """{"0-19":2,"20-39":3,"40-59":2,"60-79":2}"""),

        ("hottest_day_and_rounded_average",
            """
            const temps = { mon: 21.5, tue: 25.1, wed: 19.8, thu: 25.1, fri: 23 };
            const [hottestDay] = Object.entries(temps).reduce((best, cur) => (cur[1] > best[1] ? cur : best));
            const average = Object.values(temps).reduce((a, b) => a + b) / Object.keys(temps).length;
            ({ hottestDay, average: +average.toFixed(2) })
            """,
            """{"hottestDay":"tue","average":22.9}"""),

        ("parse_numbers_from_text_fields",
            """
            ['42', '3.14', '1e3', 'abc', '', ' 7 ', '12px'].map(s => [parseInt(s, 10), Number(s), parseFloat(s)])
            """,
            "[[42,42,42],[3,3.14,3.14],[1,1000,1000],[null,null,null],[null,0,null],[7,7,7],[12,null,12]]"),
    ];

    /// <summary>Snippets that report by printing: (name, code, exactly what they print).</summary>
    public static readonly (string Name, string Code, string ExpectedStdout)[] Printing =
    [
        ("print_an_aligned_table",
            """
            const rows = [['apple', 3], ['kiwi', 12]];
            for (const [name, qty] of rows) console.log(`${name.padEnd(6, '.')}${String(qty).padStart(3)}`);
            console.log(`total: ${rows.reduce((s, [, q]) => s + q, 0)}`);
            """,
            "apple.  3\nkiwi.. 12\ntotal: 15\n"),

        ("print_pretty_json",
            """
            const report = { name: 'report', items: [1, 2], ok: true };
            console.log(JSON.stringify(report, null, 2));
            """,
            "{\n  \"name\": \"report\",\n  \"items\": [\n    1,\n    2\n  ],\n  \"ok\": true\n}\n"),

        ("print_progress_with_percentages",
            """
            const steps = ['load', 'parse', 'save'];
            steps.forEach((step, i) => console.log(`[${i + 1}/${steps.length}] ${step} (${(((i + 1) / steps.length) * 100).toFixed(0)}%)`));
            """,
            "[1/3] load (33%)\n[2/3] parse (67%)\n[3/3] save (100%)\n"),

        ("print_the_kind_of_a_caught_parse_error",
            """
            try {
              JSON.parse('{"a": 1,}');
              console.log('parsed');
            } catch (e) {
              console.log(`${e.name}: could not parse the input`);
            }
            """,
            "SyntaxError: could not parse the input\n"),

        ("print_from_concurrent_async_steps",
            """
            const step = async name => {
              console.log(`start ${name}`);
              await null;
              console.log(`end ${name}`);
              return name;
            };
            (async () => {
              const results = await Promise.all([step('a'), step('b')]);
              console.log(results.join('+'));
            })();
            """,
            "start a\nstart b\nend a\nend b\na+b\n"),

        ("print_a_map_report",
            """
            const stock = new Map([['apples', 4], ['pears', 0], ['plums', 9]]);
            for (const [fruit, n] of stock) console.log(n > 0 ? `${fruit}: ${n}` : `${fruit}: sold out`);
            """,
            "apples: 4\npears: sold out\nplums: 9\n"),

        ("print_numbers_with_several_arguments",
            """
            const sum = 0.1 + 0.2;
            console.log('sum:', sum, 'rounded:', sum.toFixed(2), 'third:', 1 / 3);
            console.log('big:', 2 ** 53, 1e21, 'ok:', true, null);
            """,
            "sum: 0.30000000000000004 rounded: 0.30 third: 0.3333333333333333\nbig: 9007199254740992 1e+21 ok: true null\n"),

        ("print_a_checklist",
            """
            const todo = [{ task: 'write', done: true }, { task: 'test', done: false }];
            console.log(todo.map(t => `- [${t.done ? 'x' : ' '}] ${t.task}`).join('\n'));
            """,
            "- [x] write\n- [ ] test\n"),

        ("print_a_value_object_through_to_string",
            """
            class Money {
              constructor(cents) { this.cents = cents; }
              add(other) { return new Money(this.cents + other.cents); }
              toString() { return `$${(this.cents / 100).toFixed(2)}`; }
            }
            const total = [new Money(199), new Money(1), new Money(1050)].reduce((a, b) => a.add(b));
            console.log(`Total: ${total}`);
            """,
            "Total: $12.50\n"),

        ("print_dates_after_adding_a_day",
            """
            const d = new Date(Date.UTC(2023, 11, 31, 23, 59, 59));
            console.log(d.toISOString().slice(0, 10));
            d.setUTCDate(d.getUTCDate() + 1);
            console.log(d.toISOString().slice(0, 10), d.getUTCFullYear());
            """,
            "2023-12-31\n2024-01-01 2024\n"),

        ("print_keys_in_sorted_order",
            """
            const inventory = { pears: 3, apples: 10, figs: 1 };
            Object.keys(inventory).sort().forEach(k => console.log(k, inventory[k]));
            """,
            "apples 10\nfigs 1\npears 3\n"),

        ("print_the_first_match_or_null",
            """
            const firstNegative = arr => {
              for (const [i, v] of arr.entries()) if (v < 0) return { i, v };
              return null;
            };
            console.log(JSON.stringify(firstNegative([3, 1, -4, -1])), JSON.stringify(firstNegative([1])));
            """,
            "{\"i\":2,\"v\":-4} null\n"),
    ];
}
