# Writes model-answers.json: hand-written answer shapes for the parse-failure figure (docs/benchmarks.md).
# Every answer here was written for this corpus; edit this script and run it again to change the corpus.
import json

F = "```"
A = []

def fenced(cls, answer, expected):
    A.append({"format": "Fenced", "class": cls, "answer": answer, "expected": expected})

def js(cls, answer, expected):
    A.append({"format": "Json", "class": cls, "answer": answer, "expected": expected})

def tool(cls, text, calls, expected):
    A.append({"format": "ToolCall", "class": cls, "answer": text,
              "calls": [{"id": f"call_{i + 1}", "name": n, "arguments": a} for i, (n, a) in enumerate(calls)],
              "expected": expected})

SUM = "const total = [3, 4, 5].reduce((a, b) => a + b, 0);\nconsole.log(total);"
FIN = "final_answer(total);"
CSV = "const rows = files.readCsv('data/sales.csv');\nconst byRegion = {};\nfor (const r of rows) {\n  byRegion[r.region] = (byRegion[r.region] ?? 0) + Number(r.amount);\n}\nconsole.log(byRegion);"
TPL = "const report = `\n\\`\\`\\`\n| region | total |\n\\`\\`\\`\n`;\nconsole.log(report.split('\\n').length);"
FN = "function median(xs) {\n  const s = [...xs].sort((a, b) => a - b);\n  const m = Math.floor(s.length / 2);\n  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;\n}\nconsole.log(median([5, 1, 4, 2]));"

# ---------------- fenced ----------------
fenced("prose around code", f"I'll add the numbers in code.\n\n{F}js\n{SUM}\n{F}\n\nThis prints the total.", [SUM])
fenced("prose around code", f"Thought: the sales file has a region column, so I group by it.\n{F}javascript\n{CSV}\n{F}\nNext I will look at the biggest region.", [CSV])
fenced("prose around code", f"Let me define a helper first:\n{F}js\n{FN}\n{F}", [FN])
fenced("prose around code", f"The total is known from the last observation.\n\n{F}js\n{FIN}\n{F}", [FIN])
fenced("several blocks", f"First the data:\n{F}js\n{CSV}\n{F}\nThen the total:\n{F}js\n{SUM}\n{F}", [CSV, SUM])
fenced("several blocks", f"{F}js\n{FN}\n{F}\n\n{F}js\n{FIN}\n{F}", [FN, FIN])
fenced("several blocks", f"Step one defines it, step two uses it.\n\n1. Define:\n{F}javascript\nconst xs = [1, 2, 3];\n{F}\n2. Use:\n{F}javascript\nconsole.log(xs.length);\n{F}", ["const xs = [1, 2, 3];", "console.log(xs.length);"])
fenced("several blocks", f"{F}js\n{CSV}\n{F}\nThen the total of it:\n{F}\n{SUM}\n{F}", [CSV, SUM])
fenced("output block after code", f"{F}js\n{SUM}\n{F}\nExpected output:\n{F}\n12\n{F}", [SUM])
fenced("output block after code", f"Running this:\n{F}javascript\n{FN}\n{F}\nshould print\n{F}\n3\n{F}\nwhich is the median.", [FN])
fenced("output block after code", f"{F}js\n{SUM}\n{F}\nOutput:\n{F}text\n12\n{F}", [SUM])
fenced("unlabelled fence", f"{F}\n{SUM}\n{F}", [SUM])
fenced("unlabelled fence", f"Here is the code:\n{F}\n{FN}\n{F}\nDone.", [FN])
fenced("unlabelled fence", f"{F}\n{FIN}\n{F}", [FIN])
fenced("tag variants", f"{F}JavaScript\n{SUM}\n{F}", [SUM])
fenced("tag variants", f"{F}js title=\"step.js\"\n{SUM}\n{F}", [SUM])
fenced("tag variants", f"{F} js\n{FIN}\n{F}", [FIN])
fenced("tag variants", f"{F}{{.js}}\n{SUM}\n{F}", [SUM])
fenced("fence inside a string", f"I build the Markdown table in a template literal.\n{F}js\n{TPL}\n{F}", [TPL])
fenced("fence inside a string", f"{F}js\nconst fence = '{F}';\nconsole.log(fence.length);\n{F}", ["const fence = '" + F + "';\nconsole.log(fence.length);"])
fenced("fence inside a string", f"{F}js\nconst doc = ['Use a block:', '{F}js', 'x()', '{F}'].join('\\n');\nconsole.log(doc.length);\n{F}",
       ["const doc = ['Use a block:', '" + F + "js', 'x()', '" + F + "'].join('\\n');\nconsole.log(doc.length);"])
fenced("fence inside a comment", f"{F}js\n/* Example of the reply format:\n{F}\nfinal_answer(x)\n{F}\n*/\nconsole.log(1);\n{F}",
       ["/* Example of the reply format:\n" + F + "\nfinal_answer(x)\n" + F + "\n*/\nconsole.log(1);"])
fenced("fence inside a string", f"````js\n{TPL}\n````", [TPL])
fenced("tildes", f"~~~js\n{SUM}\n~~~", [SUM])
fenced("tildes", f"Using tildes:\n~~~~javascript\n{FN}\n~~~~\nok", [FN])
fenced("indented fence", f"1. Load the file:\n   {F}js\n   " + CSV.replace("\n", "\n   ") + f"\n   {F}\n2. Look at it.", [CSV])
fenced("indented fence", f"- Then finish:\n\n    {F}js\n    {FIN}\n    {F}", [FIN])
fenced("indented fence", f"\t{F}js\n\t{SUM.replace(chr(10), chr(10) + chr(9))}\n\t{F}", [SUM])
fenced("unclosed fence", f"I'll compute it:\n{F}js\n{SUM}", [SUM])
fenced("unclosed fence", f"{F}javascript\n{FN}\n", [FN])
fenced("closing fence with a marker", f"Thought: sum it.\nCode:\n{F}js\n{SUM}\n{F}<end_code>", [SUM])
fenced("closing fence with a marker", f"{F}js\n{FIN}\n{F}.", [FIN])
fenced("other language only", f"In Python this is:\n{F}python\nprint(sum([3, 4, 5]))\n{F}", [])
fenced("other language only", f"The answer is 12, no code needed.", [])
fenced("data block beside code", f"The input looks like this:\n{F}json\n{{\"region\": \"north\", \"amount\": 3}}\n{F}\n{F}js\n{CSV}\n{F}", [CSV])
fenced("line endings", f"Windows line endings:\r\n{F}js\r\n{SUM.replace(chr(10), chr(13) + chr(10))}\r\n{F}\r\n", [SUM])

# ---------------- JSON (structured output) ----------------
def obj(thought, code, **extra):
    d = {"thought": thought, "code": code}
    d.update(extra)
    return json.dumps(d)

js("clean json", obj("Sum the numbers.", SUM), [SUM])
js("clean json", obj("Group by region.", CSV), [CSV])
js("clean json", json.dumps({"thought": "Done.", "code": FIN}, indent=2), [FIN])
js("escaped code", obj("Quotes and tabs.", "const s = \"it's \\\"quoted\\\"\";\n\tconsole.log(s);"), ["const s = \"it's \\\"quoted\\\"\";\n\tconsole.log(s);"])
js("escaped code", '{"thought": "unicode escapes", "code": "console.log(\\u0027caf\\u00e9\\u0027);\\nconsole.log(1);"}', ["console.log('café');\nconsole.log(1);"])
js("escaped code", obj("Template literal with a fence.", TPL), [TPL])
js("json in a fence", f"{F}json\n{obj('Fenced JSON.', SUM)}\n{F}", [SUM])
js("json in a fence", f"{F}\n{obj('Unlabelled fence.', FIN)}\n{F}", [FIN])
js("json in a fence", f"Here you go:\n{F}json\n{json.dumps({'thought': 'x', 'code': FN}, indent=2)}\n{F}", [FN])
js("prose around json", f"Here is my next step:\n{obj('Sum.', SUM)}", [SUM])
js("prose around json", f"{obj('Sum.', SUM)}\nLet me know if you need anything else.", [SUM])
js("prose around json", f"{obj('Median.', FN)}\n\nNote: I used a helper {{median}}.", [FN])
js("truncated json", '{"thought": "Group by region.", "code": "const rows = files.readCsv(\'data/sales.csv\');\\nconst byRegion = {};\\nfor (const r of ro', None)
js("truncated json", '{"thought": "I will', None)
js("truncated json", '', None)
js("raw newlines in strings", '{"thought": "Sum.", "code": "' + SUM.replace('"', '\\"') + '"}', [SUM])
js("raw newlines in strings", '{\n  "thought": "Median helper.",\n  "code": "' + FN + '"\n}', [FN])
js("code in a fence inside json", obj("Fence in the string.", f"{F}javascript\n{SUM}\n{F}"), [SUM])
js("code in a fence inside json", obj("Fence in the string.", f"{F}\n{FIN}\n{F}"), [FIN])
js("code as lines", json.dumps({"thought": "Lines.", "code": SUM.split("\n")}), [SUM])
js("lenient json", '{"Thought": "Other case.", "Code": "console.log(1);"}', ["console.log(1);"])
js("lenient json", '{"thought": "Trailing comma.", "code": "console.log(2);",}', ["console.log(2);"])
js("lenient json", '{\n  // a comment\n  "thought": "Comment.",\n  "code": "console.log(3);"\n}', ["console.log(3);"])
js("lenient json", obj("Extra keys.", "console.log(4);", done=False), ["console.log(4);"])
js("double-encoded json", json.dumps(obj("Encoded twice.", SUM)), [SUM])
js("json ignored (markdown answer)", f"I'll sum them.\n{F}js\n{SUM}\n{F}", [SUM])
js("json ignored (markdown answer)", f"{F}javascript\n{CSV}\n{F}", [CSV])
js("missing code", '{"thought": "I know it: 12", "answer": 12}', None)
js("missing code", '{"thought": "Run this", "action": {"code": "console.log(1)"}}', None)
js("not json", "{'thought': 'python dict', 'code': 'console.log(1)'}", None)
js("no code", obj("Nothing to run yet.", ""), [])
js("no code", '{"thought": "Waiting.", "code": null}', [])

# ---------------- tool calls ----------------
def args(**kw):
    return json.dumps(kw)

tool("clean call", "", [("execute_code", args(code=SUM))], [SUM])
tool("clean call", "", [("execute_code", args(code=CSV))], [CSV])
tool("clean call", "", [("execute_code", json.dumps({"code": FIN}, indent=2))], [FIN])
tool("text and call", "I'll sum the numbers in code.", [("execute_code", args(code=SUM))], [SUM])
tool("text and call", "Thought: group by region first.", [("execute_code", args(code=CSV))], [CSV])
tool("extra arguments", "", [("execute_code", args(code=FN, language="javascript"))], [FN])
tool("wrong argument name", "", [("execute_code", args(script=SUM))], [SUM])
tool("wrong argument name", "", [("execute_code", args(javascript=FIN))], [FIN])
tool("wrong argument name", "", [("execute_code", args(source=FN, timeout=5))], None)
tool("arguments encoded twice", "", [("execute_code", args(code=args(code=SUM)))], [SUM])
tool("arguments as a string", "", [("execute_code", json.dumps(args(code=SUM)))], None)
tool("arguments as a string", "", [("execute_code", json.dumps(SUM))], None)
tool("arguments not an object", "", [("execute_code", json.dumps({"code": {"source": SUM}}))], None)
tool("arguments not an object", "", [("execute_code", "{}")], None)
tool("truncated arguments", "", [("execute_code", '{"code": "const rows = files.readCsv(')], None)
tool("raw newlines in arguments", "", [("execute_code", '{"code": "' + SUM + '"}')], None)
tool("prefixed function name", "", [("functions.execute_code", args(code=SUM))], [SUM])
tool("prefixed function name", "", [(" execute_code", args(code=FIN))], [FIN])
tool("unknown function", "", [("python", args(code="print(sum([3, 4, 5]))"))], None)
tool("unknown function", "", [("final_answer", args(answer=12))], None)
tool("no call, fenced code", f"I'll run:\n{F}js\n{SUM}\n{F}", [], [SUM])
tool("no call, fenced code", f"{F}javascript\n{FIN}\n{F}", [], [FIN])
tool("no call, prose", "The total is 12.", [], [])
tool("fence inside arguments", "", [("execute_code", args(code=f"{F}javascript\n{SUM}\n{F}"))], [SUM])
tool("fence inside arguments", "", [("execute_code", args(code=f"{F}\n{FIN}\n{F}"))], [FIN])
tool("several calls", "", [("execute_code", args(code=CSV)), ("execute_code", args(code=SUM))], [CSV, SUM])

with open("model-answers.json", "w", encoding="utf-8") as f:
    json.dump(A, f, indent=1, ensure_ascii=False)
    f.write("\n")
print(len(A), "answers:", {k: sum(1 for a in A if a["format"] == k) for k in ("Fenced", "Json", "ToolCall")})
