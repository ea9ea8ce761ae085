// The V8 side of CodeActSdk.V8: one isolate per session with one bare ECMAScript context, limits enforced by V8
// itself (heap limit, array-buffer budget, stack limit, TerminateExecution), and a host callback for console
// output and tools. See codeact_v8.h for the contract. No C++ exception leaves this file: every exported function
// and every callback V8 calls catches everything.
#include "codeact_v8.h"

#include <libplatform/libplatform.h>
#include <v8.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "json_writer.h"
#include "sandbox_prelude.h"

struct cav8_reply {
  std::string text;
};

namespace codeact {
namespace {

// Old-generation room granted past the limit once it is hit, so that the allocation in flight (a string or array
// can be up to about 1 GiB) succeeds instead of aborting the process; the execution is terminated right after.
constexpr size_t kOverLimitHeadroom = size_t{1536} * 1024 * 1024;
// The young generation of every isolate (two semi-spaces and the young large-object space, 16 MiB each, as node
// sizes them by default), on top of the heap limit, which bounds the old generation: what the code keeps. Smaller
// costs allocation-heavy code dearly (12 MiB: about +40% on a JSON round trip of 10,000 objects; 6 MiB: +80%); the
// pages are committed only as they fill, and whatever survives moves to the old generation and its limit.
constexpr size_t kYoungGenerationBytes = size_t{48} * 1024 * 1024;
// Stack reserved for the shim's own calls into V8 outside of a run (creating the context, defining tools).
constexpr size_t kSetupStackBytes = 512 * 1024;
// Bound on the JSON of a tool call's arguments.
constexpr size_t kMaxToolArgumentChars = size_t{16} * 1024 * 1024;
// V8's worker threads (parallel scavenges, concurrent marking and compilation), shared by every isolate: as many as
// node starts by default. V8's own default, one fewer than the processors, leaves a 2-core machine a single worker
// and makes allocation-heavy code about a third slower.
constexpr int kWorkerThreads = 4;
// Refused array-buffer allocations a run may survive (about four requests, each tried four times by V8).
constexpr int kMaxArrayBufferRefusals = 16;
// Foreground tasks (GC steps, FinalizationRegistry callbacks) run at the start of a run, at most this many.
constexpr int kMaxTasksPerRun = 64;
constexpr const char* kScriptName = "code.js";

char* CopyString(const std::string& text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) return nullptr;
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

void SetError(char** error, const std::string& message) {
  if (error != nullptr) *error = CopyString(message);
}

v8::Local<v8::String> Str(v8::Isolate* isolate, const std::string& text) {
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal, static_cast<int>(text.size()))
      .ToLocalChecked();
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// ---------------------------------------------------------------------------------------------------------------
// Platform: V8's default platform for worker threads, with foreground task queues owned here, per isolate, so
// that they are run only inside a run and dropped with their isolate (the default platform keeps them forever).

class ForegroundTaskRunner final : public v8::TaskRunner {
 public:
  void PostTask(std::unique_ptr<v8::Task> task) override { Push(std::move(task), 0); }
  void PostNonNestableTask(std::unique_ptr<v8::Task> task) override { Push(std::move(task), 0); }
  void PostDelayedTask(std::unique_ptr<v8::Task> task, double delay_in_seconds) override {
    Push(std::move(task), NowSeconds() + delay_in_seconds);
  }
  void PostNonNestableDelayedTask(std::unique_ptr<v8::Task> task, double delay_in_seconds) override {
    Push(std::move(task), NowSeconds() + delay_in_seconds);
  }
  void PostIdleTask(std::unique_ptr<v8::IdleTask>) override {}
  bool IdleTasksEnabled() override { return false; }
  bool NonNestableTasksEnabled() const override { return true; }
  bool NonNestableDelayedTasksEnabled() const override { return true; }

  std::unique_ptr<v8::Task> PopDue() {
    std::lock_guard<std::mutex> lock(mutex_);
    double now = NowSeconds();
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
      ready_.push_back(std::move(delayed_.begin()->second));
      delayed_.erase(delayed_.begin());
    }
    if (ready_.empty()) return nullptr;
    std::unique_ptr<v8::Task> task = std::move(ready_.front());
    ready_.pop_front();
    return task;
  }

  void Shutdown() {
    std::deque<std::unique_ptr<v8::Task>> ready;
    std::multimap<double, std::unique_ptr<v8::Task>> delayed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
      ready.swap(ready_);
      delayed.swap(delayed_);
    }
    // The tasks are destroyed here, outside the lock, without running.
  }

 private:
  void Push(std::unique_ptr<v8::Task> task, double due) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    if (due == 0) {
      ready_.push_back(std::move(task));
    } else {
      delayed_.emplace(due, std::move(task));
    }
  }

  std::mutex mutex_;
  bool closed_ = false;
  std::deque<std::unique_ptr<v8::Task>> ready_;
  std::multimap<double, std::unique_ptr<v8::Task>> delayed_;
};

class SandboxPlatform final : public v8::Platform {
 public:
  explicit SandboxPlatform(std::unique_ptr<v8::Platform> inner) : inner_(std::move(inner)) {}

  std::shared_ptr<ForegroundTaskRunner> RunnerFor(v8::Isolate* isolate) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& runner = runners_[isolate];
    if (!runner) runner = std::make_shared<ForegroundTaskRunner>();
    return runner;
  }

  void Forget(v8::Isolate* isolate) {
    std::shared_ptr<ForegroundTaskRunner> runner;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto found = runners_.find(isolate);
      if (found == runners_.end()) return;
      runner = found->second;
      runners_.erase(found);
    }
    runner->Shutdown();
  }

  v8::PageAllocator* GetPageAllocator() override { return inner_->GetPageAllocator(); }
  void OnCriticalMemoryPressure() override { inner_->OnCriticalMemoryPressure(); }
  bool OnCriticalMemoryPressure(size_t length) override { return inner_->OnCriticalMemoryPressure(length); }
  int NumberOfWorkerThreads() override { return inner_->NumberOfWorkerThreads(); }
  std::shared_ptr<v8::TaskRunner> GetForegroundTaskRunner(v8::Isolate* isolate) override {
    return RunnerFor(isolate);
  }
  void CallOnWorkerThread(std::unique_ptr<v8::Task> task) override { inner_->CallOnWorkerThread(std::move(task)); }
  void CallBlockingTaskOnWorkerThread(std::unique_ptr<v8::Task> task) override {
    inner_->CallBlockingTaskOnWorkerThread(std::move(task));
  }
  void CallLowPriorityTaskOnWorkerThread(std::unique_ptr<v8::Task> task) override {
    inner_->CallLowPriorityTaskOnWorkerThread(std::move(task));
  }
  void CallDelayedOnWorkerThread(std::unique_ptr<v8::Task> task, double delay_in_seconds) override {
    inner_->CallDelayedOnWorkerThread(std::move(task), delay_in_seconds);
  }
  bool IdleTasksEnabled(v8::Isolate*) override { return false; }
  std::unique_ptr<v8::JobHandle> PostJob(v8::TaskPriority priority, std::unique_ptr<v8::JobTask> job_task) override {
    return inner_->PostJob(priority, std::move(job_task));
  }
  double MonotonicallyIncreasingTime() override { return inner_->MonotonicallyIncreasingTime(); }
  double CurrentClockTimeMillis() override { return inner_->CurrentClockTimeMillis(); }
  v8::TracingController* GetTracingController() override { return inner_->GetTracingController(); }

 private:
  std::unique_ptr<v8::Platform> inner_;
  std::mutex mutex_;
  std::unordered_map<v8::Isolate*, std::shared_ptr<ForegroundTaskRunner>> runners_;
};

SandboxPlatform* g_platform = nullptr;  // lives for the rest of the process once created
cav8_host_callback g_host_callback = nullptr;
std::once_flag g_init_once;
std::string g_init_error;

void OnOutOfMemory(const char* location, bool is_heap_oom) {
  // Only reachable if the near-heap-limit handling below could not keep V8 going; V8 aborts after this returns.
  std::fprintf(stderr,
               "CodeActSdk.V8: V8 ran out of memory (%s, %s) and must abort the process. Please report the code "
               "that caused it.\n",
               location != nullptr ? location : "unknown", is_heap_oom ? "heap" : "process");
  std::fflush(stderr);
}

void OnFatalError(const char* location, const char* message) {
  std::fprintf(stderr, "CodeActSdk.V8: fatal V8 error in %s: %s\n", location != nullptr ? location : "unknown",
               message != nullptr ? message : "");
  std::fflush(stderr);
}

bool DenyWasmCodeGeneration(v8::Local<v8::Context>, v8::Local<v8::String>) { return false; }

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Isolate state.

class CountingAllocator;

// What a tool function knows about itself; owned by its isolate.
struct ToolData {
  std::string name;
  int32_t index;
};

}  // namespace codeact

struct cav8_isolate {
  v8::Isolate* isolate = nullptr;
  std::shared_ptr<codeact::CountingAllocator> allocator;
  std::shared_ptr<codeact::ForegroundTaskRunner> tasks;
  v8::Global<v8::Context> context;
  std::vector<std::unique_ptr<codeact::ToolData>> tools;
  bool allow_webassembly = false;
  // The global object's own property names once the context was ready, and the tools: left out of the digest.
  std::unordered_set<std::string> sandbox_globals;

  // Limits (set by cav8_isolate_set_limits).
  size_t heap_limit = 0;
  size_t stack_limit_bytes = 2 * 1024 * 1024;
  bool heap_raised = false;

  // Run state; guarded by mutex where other threads can see it.
  std::mutex mutex;
  std::atomic<bool> running{false};
  int64_t run_id = 0;
  int64_t terminate_requested_for = -1;
  std::atomic<int32_t> stop_reason{CAV8_STOP_NONE};
  std::atomic<bool> stopping{false};
  bool array_buffer_exhausted = false;
  int array_buffer_refusals = 0;

  // Per run.
  void* host_state = nullptr;
  bool describing = false;  // the run computes the state digest: nothing may reach the host
  size_t max_value_chars = 100000;
  size_t max_display_chars = 20000;
  bool has_final_answer = false;
  bool final_answer_truncated = false;
  std::string final_answer;
  struct Rejection {
    v8::Global<v8::Promise> promise;
    v8::Global<v8::Value> reason;
  };
  std::vector<Rejection> rejections;

  // Called on any thread: ends the current run as soon as V8 checks for interrupts.
  void RequestStop(int32_t reason) {
    int32_t expected = CAV8_STOP_NONE;
    stop_reason.compare_exchange_strong(expected, reason);
    stopping.store(true);
    isolate->TerminateExecution();
  }
};

namespace codeact {
namespace {

cav8_isolate* StateOf(v8::Isolate* isolate) { return static_cast<cav8_isolate*>(isolate->GetData(0)); }

}  // namespace

// Counts the bytes of array-buffer backing stores alive at once against the session's budget. A request that can
// never fit ends the run at once; one that does not fit now is refused, V8 collects garbage and retries, and if it
// still fails the code sees V8's RangeError, which ends the run as MemoryLimit unless the code handles it. Code
// that keeps handling it (a loop swallowing the error) is stopped after a few refused requests.
class CountingAllocator final : public v8::ArrayBuffer::Allocator {
 public:
  explicit CountingAllocator(cav8_isolate* owner) : owner_(owner) {}

  void SetLimit(int64_t limit) { limit_.store(limit); }

  void* Allocate(size_t length) override {
    if (!Reserve(length)) return nullptr;
    void* data = std::calloc(length == 0 ? 1 : length, 1);
    if (data == nullptr) used_.fetch_sub(static_cast<int64_t>(length));
    return data;
  }

  void* AllocateUninitialized(size_t length) override {
    if (!Reserve(length)) return nullptr;
    void* data = std::malloc(length == 0 ? 1 : length);
    if (data == nullptr) used_.fetch_sub(static_cast<int64_t>(length));
    return data;
  }

  void Free(void* data, size_t length) override {
    std::free(data);
    used_.fetch_sub(static_cast<int64_t>(length));
  }

 private:
  bool Reserve(size_t length) {
    int64_t limit = limit_.load();
    int64_t request = static_cast<int64_t>(length);
    int64_t current = used_.load();
    do {
      if (request > limit - current) {
        cav8_isolate* owner = owner_;
        if (owner != nullptr && owner->running) {
          owner->array_buffer_exhausted = true;
          // V8 tries a request up to four times (collecting garbage in between) before it throws.
          if (request > limit || ++owner->array_buffer_refusals >= kMaxArrayBufferRefusals) {
            owner->RequestStop(CAV8_STOP_MEMORY);
          }
        }
        return false;
      }
    } while (!used_.compare_exchange_weak(current, current + request));
    return true;
  }

  cav8_isolate* owner_;
  std::atomic<int64_t> used_{0};
  std::atomic<int64_t> limit_{int64_t{64} * 1024 * 1024};
};

namespace {

// Called by V8 on the isolate's thread when the old generation is full even after a full collection.
size_t NearHeapLimit(void* data, size_t current_heap_limit, size_t) {
  auto* state = static_cast<cav8_isolate*>(data);
  if (current_heap_limit < state->heap_limit) return state->heap_limit;  // created smaller than the session allows
  state->heap_raised = true;
  if (state->running) state->RequestStop(CAV8_STOP_MEMORY);
  return current_heap_limit + kOverLimitHeadroom;
}

void OnPromiseReject(v8::PromiseRejectMessage message) {
  v8::Local<v8::Promise> promise = message.GetPromise();
  v8::Isolate* isolate = promise->GetIsolate();
  cav8_isolate* state = StateOf(isolate);
  if (state == nullptr || !state->running) return;
  switch (message.GetEvent()) {
    case v8::kPromiseRejectWithNoHandler:
      if (state->rejections.size() < 256) {
        state->rejections.push_back({v8::Global<v8::Promise>(isolate, promise),
                                     v8::Global<v8::Value>(isolate, message.GetValue())});
      }
      break;
    case v8::kPromiseHandlerAddedAfterReject:
      for (auto it = state->rejections.begin(); it != state->rejections.end(); ++it) {
        if (it->promise == promise) {
          state->rejections.erase(it);
          break;
        }
      }
      break;
    default:
      break;
  }
}

// Places V8's stack limit `bytes` below the current frame: V8 measures its stack against the thread it runs on.
void SetStackLimitBelowHere(v8::Isolate* isolate, size_t bytes) {
  uintptr_t here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  isolate->SetStackLimit(here > bytes ? here - bytes : 0);
}

// --- callbacks from JavaScript ---------------------------------------------------------------------------------

int32_t CallHost(cav8_isolate* state, int32_t op, int32_t index, const std::string& text, cav8_reply* reply) {
  if (g_host_callback == nullptr) return CAV8_REPLY_ERROR;
  return g_host_callback(state->host_state, op, index, text.data(), static_cast<int32_t>(text.size()), reply);
}

void ThrowError(v8::Isolate* isolate, const std::string& message, bool type_error) {
  v8::Local<v8::String> text = Str(isolate, message);
  isolate->ThrowException(type_error ? v8::Exception::TypeError(text) : v8::Exception::Error(text));
}

void ConsoleCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  try {
    v8::Isolate* isolate = info.GetIsolate();
    cav8_isolate* state = StateOf(isolate);
    if (state == nullptr || !state->running || state->stopping || state->describing) return;
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    std::string line;
    for (int i = 0; i < info.Length(); ++i) {
      if (i > 0) line += ' ';
      size_t room = state->max_display_chars > line.size() ? state->max_display_chars - line.size() : 0;
      JsonWriter writer(isolate, context, JsonWriter::Mode::kDisplay, room);
      if (writer.Write(info[i]) == JsonWriter::Result::kException) return;  // the exception propagates
      line += writer.text();
      if (line.size() > state->max_display_chars) break;
    }
    cav8_reply reply;
    int32_t level = info.Data().As<v8::Int32>()->Value();
    if (CallHost(state, CAV8_OP_CONSOLE, level, line, &reply) == CAV8_REPLY_STOP) state->RequestStop(CAV8_STOP_HOST);
  } catch (...) {
  }
}

void FinalAnswerCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  try {
    v8::Isolate* isolate = info.GetIsolate();
    cav8_isolate* state = StateOf(isolate);
    if (state == nullptr || !state->running || state->stopping) return;
    if (state->describing) {
      ThrowError(isolate, "final_answer cannot be called while the session's state digest is computed.", false);
      return;
    }
    v8::Local<v8::Context> context = isolate->GetCurrentContext();
    JsonWriter writer(isolate, context, JsonWriter::Mode::kJson, state->max_value_chars);
    v8::Local<v8::Value> value = info.Length() > 0 ? info[0] : v8::Undefined(isolate).As<v8::Value>();
    switch (writer.Write(value)) {
      case JsonWriter::Result::kException:
        return;
      case JsonWriter::Result::kInvalid:
        ThrowError(isolate, "final_answer: " + writer.error(), true);
        return;
      case JsonWriter::Result::kUndefined:
        state->final_answer = "null";
        break;
      case JsonWriter::Result::kOk:
        state->final_answer = writer.text();
        break;
    }
    state->has_final_answer = true;
    state->final_answer_truncated = writer.truncated();
    // Ends the execution: termination cannot be caught by the code, and `stopping` makes every later host call
    // a no-op until V8 acts on it.
    state->RequestStop(CAV8_STOP_FINAL_ANSWER);
  } catch (...) {
  }
}

void ToolCallback(const v8::FunctionCallbackInfo<v8::Value>& info) {
  try {
    v8::Isolate* isolate = info.GetIsolate();
    cav8_isolate* state = StateOf(isolate);
    if (state == nullptr || !state->running || state->stopping) return;
    auto* tool = static_cast<ToolData*>(info.Data().As<v8::External>()->Value());
    if (state->describing) {
      ThrowError(isolate, tool->name + " cannot be called while the session's state digest is computed.", false);
      return;
    }
    v8::Local<v8::Context> context = isolate->GetCurrentContext();

    std::string arguments = "[";
    for (int i = 0; i < info.Length(); ++i) {
      if (i > 0) arguments += ',';
      JsonWriter writer(isolate, context, JsonWriter::Mode::kJson, kMaxToolArgumentChars);
      switch (writer.Write(info[i])) {
        case JsonWriter::Result::kException:
          return;
        case JsonWriter::Result::kInvalid:
          ThrowError(isolate, "Tool '" + tool->name + "': " + writer.error(), true);
          return;
        case JsonWriter::Result::kUndefined:
          arguments += "null";
          break;
        case JsonWriter::Result::kOk:
          if (writer.truncated()) {
            ThrowError(isolate,
                       "Tool '" + tool->name + "': the arguments are too large to pass (more than " +
                           std::to_string(kMaxToolArgumentChars / (1024 * 1024)) + " MiB of JSON). Pass less data.",
                       true);
            return;
          }
          arguments += writer.text();
          break;
      }
    }
    arguments += ']';

    cav8_reply reply;
    int32_t answer = CallHost(state, CAV8_OP_TOOL, tool->index, arguments, &reply);
    switch (answer) {
      case CAV8_REPLY_VALUE: {
        if (reply.text.empty()) {
          info.GetReturnValue().SetNull();
          return;
        }
        v8::Local<v8::String> json;
        if (!v8::String::NewFromUtf8(isolate, reply.text.data(), v8::NewStringType::kNormal,
                                     static_cast<int>(reply.text.size()))
                 .ToLocal(&json)) {
          return;  // too long for a string: V8 has thrown
        }
        v8::Local<v8::Value> result;
        if (v8::JSON::Parse(context, json).ToLocal(&result)) info.GetReturnValue().Set(result);
        return;
      }
      case CAV8_REPLY_TYPE_ERROR:
        ThrowError(isolate, reply.text, true);
        return;
      case CAV8_REPLY_STOP:
        state->RequestStop(CAV8_STOP_HOST);
        return;
      default:
        ThrowError(isolate, reply.text.empty() ? "Tool '" + tool->name + "' failed." : reply.text, false);
        return;
    }
  } catch (...) {
  }
}

// --- context -----------------------------------------------------------------------------------------------------

bool DefineHidden(v8::Local<v8::Context> context, v8::Local<v8::Object> target, const char* name,
                  v8::Local<v8::Value> value) {
  v8::Isolate* isolate = context->GetIsolate();
  return target->DefineOwnProperty(context, Str(isolate, name), value, v8::DontEnum).FromMaybe(false);
}

bool CreateContext(cav8_isolate* state, std::string* error) {
  v8::Isolate* isolate = state->isolate;
  v8::HandleScope handles(isolate);
  v8::Local<v8::Context> context = v8::Context::New(isolate);
  if (context.IsEmpty()) {
    *error = "V8 could not create a context.";
    return false;
  }
  v8::Context::Scope scope(context);
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Object> global = context->Global();

  // A bare ECMAScript global: V8 adds nothing of Node (require, process, Buffer, fetch, timers); remove what
  // could share memory or block a thread (SharedArrayBuffer, Atomics), V8's inspector console (replaced below)
  // and, unless the host allows it, WebAssembly.
  std::vector<const char*> removed = {"SharedArrayBuffer", "Atomics", "console"};
  if (!state->allow_webassembly) removed.push_back("WebAssembly");
  for (const char* name : removed) {
    if (!global->Delete(context, Str(isolate, name)).FromMaybe(false)) {
      *error = std::string("Could not remove the global ") + name + ".";
      return false;
    }
  }

  v8::Local<v8::Object> console = v8::Object::New(isolate);
  const char* levels[] = {"log", "info", "warn", "error", "debug"};
  for (int level = 0; level < 5; ++level) {
    v8::Local<v8::Function> function;
    if (!v8::FunctionTemplate::New(isolate, ConsoleCallback, v8::Int32::New(isolate, level), v8::Local<v8::Signature>(),
                                   0, v8::ConstructorBehavior::kThrow)
             ->GetFunction(context)
             .ToLocal(&function)) {
      *error = "Could not create console functions.";
      return false;
    }
    function->SetName(Str(isolate, levels[level]));
    if (!console->Set(context, Str(isolate, levels[level]), function).FromMaybe(false)) return false;
  }
  v8::Local<v8::Function> final_answer;
  if (!v8::FunctionTemplate::New(isolate, FinalAnswerCallback, v8::Local<v8::Value>(), v8::Local<v8::Signature>(), 1,
                                 v8::ConstructorBehavior::kThrow)
           ->GetFunction(context)
           .ToLocal(&final_answer)) {
    *error = "Could not create final_answer.";
    return false;
  }
  final_answer->SetName(Str(isolate, "final_answer"));
  if (!DefineHidden(context, global, "console", console) ||
      !DefineHidden(context, global, "final_answer", final_answer)) {
    *error = "Could not define the sandbox globals.";
    return false;
  }

  v8::ScriptOrigin origin(isolate, Str(isolate, "<sandbox>"));
  v8::ScriptCompiler::Source source(Str(isolate, kSandboxPrelude), origin);
  v8::Local<v8::Script> prelude;
  if (!v8::ScriptCompiler::Compile(context, &source).ToLocal(&prelude) || prelude->Run(context).IsEmpty()) {
    v8::String::Utf8Value message(isolate, try_catch.Exception());
    *error = std::string("The sandbox prelude failed: ") + (*message != nullptr ? *message : "unknown error");
    return false;
  }

  v8::Local<v8::Array> names;
  if (!global->GetOwnPropertyNames(context, v8::SKIP_SYMBOLS, v8::KeyConversionMode::kConvertToString).ToLocal(&names)) {
    *error = "Could not list the sandbox globals.";
    return false;
  }
  for (uint32_t i = 0; i < names->Length(); ++i) {
    v8::Local<v8::Value> name;
    if (names->Get(context, i).ToLocal(&name) && name->IsString()) {
      state->sandbox_globals.insert(JsonWriter::ToUtf8(isolate, name.As<v8::String>()));
    }
  }

  state->context.Reset(isolate, context);
  return true;
}

// --- runs ----------------------------------------------------------------------------------------------------------

struct Outcome {
  int32_t kind = CAV8_OUTCOME_COMPLETED;
  bool has_value = false;
  bool value_truncated = false;
  std::string value;
  std::string error_kind;
  std::string error_message;
  int32_t line = 0;
  int32_t column = 0;
};

std::string ReadStringProperty(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> object,
                               const char* name, const std::string& fallback) {
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> value;
  if (!object->Get(context, Str(isolate, name)).ToLocal(&value) || value->IsUndefined() || value->IsSymbol()) {
    return fallback;
  }
  v8::Local<v8::String> text;
  if (!value->ToString(context).ToLocal(&text)) return fallback;
  return JsonWriter::ToUtf8(isolate, text, 20000);
}

void DescribeException(cav8_isolate* state, v8::Local<v8::Context> context, v8::Local<v8::Value> exception,
                       v8::Local<v8::Message> message, int32_t kind, Outcome* outcome) {
  v8::Isolate* isolate = state->isolate;
  outcome->kind = kind;
  if (exception->IsNativeError()) {
    v8::Local<v8::Object> error = exception.As<v8::Object>();
    outcome->error_kind = ReadStringProperty(isolate, context, error, "name", "Error");
    outcome->error_message = ReadStringProperty(isolate, context, error, "message", "");
  } else {
    JsonWriter writer(isolate, context, JsonWriter::Mode::kDisplay, 200);
    std::string shown;
    {
      v8::TryCatch try_catch(isolate);
      shown = writer.Write(exception) == JsonWriter::Result::kOk ? writer.text() : "(a value that could not be shown)";
    }
    if (shown.size() > 200) shown = shown.substr(0, 200) + "\xE2\x80\xA6";
    outcome->error_kind = "Uncaught";
    outcome->error_message = "The code threw a value that is not an Error: " + shown +
                             ". Throw new Error(\"...\") to give a message.";
  }
  if (message.IsEmpty() && exception->IsObject()) message = v8::Exception::CreateMessage(isolate, exception);
  if (!message.IsEmpty()) {
    v8::Local<v8::Value> resource = message->GetScriptResourceName();
    bool in_code = true;
    if (resource->IsString()) {
      v8::String::Utf8Value name(isolate, resource);
      in_code = *name != nullptr && std::strcmp(*name, "<sandbox>") != 0;
    }
    if (in_code) {
      outcome->line = message->GetLineNumber(context).FromMaybe(0);
      int column = message->GetStartColumn(context).FromMaybe(-1);
      outcome->column = column >= 0 ? column + 1 : 0;
    }
  }
}

bool Stopped(cav8_isolate* state) {
  return state->stop_reason.load() != CAV8_STOP_NONE || state->isolate->IsExecutionTerminating();
}

void RunTasks(cav8_isolate* state) {
  for (int i = 0; i < kMaxTasksPerRun; ++i) {
    std::unique_ptr<v8::Task> task = state->tasks->PopDue();
    if (!task) return;
    task->Run();
    if (Stopped(state)) return;
  }
}

void RunCode(cav8_isolate* state, v8::Local<v8::Context> context, v8::TryCatch& try_catch, const char* code,
             int32_t code_length, Outcome* outcome) {
  v8::Isolate* isolate = state->isolate;
  RunTasks(state);
  if (Stopped(state)) return;

  v8::Local<v8::String> source_text;
  if (!v8::String::NewFromUtf8(isolate, code, v8::NewStringType::kNormal, code_length).ToLocal(&source_text)) {
    outcome->kind = CAV8_OUTCOME_SYNTAX_ERROR;
    outcome->error_kind = "SyntaxError";
    outcome->error_message = "The code is too long for V8 to hold as a string.";
    return;
  }
  v8::ScriptOrigin origin(isolate, Str(isolate, kScriptName));
  v8::ScriptCompiler::Source source(source_text, origin);
  v8::Local<v8::Script> script;
  if (!v8::ScriptCompiler::Compile(context, &source).ToLocal(&script)) {
    if (!Stopped(state)) {
      DescribeException(state, context, try_catch.Exception(), try_catch.Message(), CAV8_OUTCOME_SYNTAX_ERROR,
                        outcome);
    }
    return;
  }

  v8::Local<v8::Value> value;
  if (!script->Run(context).ToLocal(&value)) {
    if (!Stopped(state)) {
      DescribeException(state, context, try_catch.Exception(), try_catch.Message(), CAV8_OUTCOME_RUNTIME_ERROR,
                        outcome);
    }
    return;
  }

  // Let every job the code queued run now (promise reactions, async functions resuming), so that a promise value
  // can be awaited. After this the queue is empty: a promise still pending can never settle.
  isolate->PerformMicrotaskCheckpoint();
  if (Stopped(state)) return;

  if (value->IsPromise()) {
    v8::Local<v8::Promise> promise = value.As<v8::Promise>();
    promise->MarkAsHandled();
    for (auto it = state->rejections.begin(); it != state->rejections.end(); ++it) {
      if (it->promise == promise) {
        state->rejections.erase(it);
        break;
      }
    }
    switch (promise->State()) {
      case v8::Promise::kFulfilled:
        value = promise->Result();
        break;
      case v8::Promise::kRejected:
        DescribeException(state, context, promise->Result(), v8::Local<v8::Message>(), CAV8_OUTCOME_RUNTIME_ERROR,
                          outcome);
        return;
      case v8::Promise::kPending:
        outcome->kind = CAV8_OUTCOME_RUNTIME_ERROR;
        outcome->error_kind = "UnsettledPromise";
        outcome->error_message =
            "The code's value is a promise that never settled: nothing was left to run that could resolve it. This "
            "sandbox has no timers or I/O, and tools return their results directly, so call them without await.";
        return;
    }
  }

  if (!state->rejections.empty()) {
    v8::Local<v8::Value> reason = state->rejections.front().reason.Get(isolate);
    DescribeException(state, context, reason, v8::Local<v8::Message>(), CAV8_OUTCOME_RUNTIME_ERROR, outcome);
    outcome->error_message = "Unhandled promise rejection: " + outcome->error_message +
                             " (handle it with .catch(...) or try/await, or make the promise the code's last value)";
    return;
  }

  JsonWriter writer(isolate, context, JsonWriter::Mode::kJson, state->max_value_chars);
  switch (writer.Write(value)) {
    case JsonWriter::Result::kOk:
      outcome->has_value = true;
      outcome->value_truncated = writer.truncated();
      outcome->value.swap(writer.mutable_text());
      return;
    case JsonWriter::Result::kUndefined:
      return;
    case JsonWriter::Result::kInvalid:
      outcome->kind = CAV8_OUTCOME_RUNTIME_ERROR;
      outcome->error_kind = "ValueError";
      outcome->error_message = writer.error();
      return;
    case JsonWriter::Result::kException:
      if (!Stopped(state) && try_catch.HasCaught()) {
        DescribeException(state, context, try_catch.Exception(), try_catch.Message(), CAV8_OUTCOME_RUNTIME_ERROR,
                          outcome);
      }
      return;
  }
}

// Marks the isolate running run_id, so that cav8_isolate_terminate and the memory limits can stop it.
void BeginRun(cav8_isolate* state, int64_t run_id) {
  state->array_buffer_exhausted = false;
  state->array_buffer_refusals = 0;
  state->rejections.clear();
  std::lock_guard<std::mutex> lock(state->mutex);
  state->stop_reason.store(CAV8_STOP_NONE);
  state->stopping.store(false);
  state->run_id = run_id;
  state->running = true;
  if (state->terminate_requested_for == run_id) state->RequestStop(CAV8_STOP_HOST);
}

void EndRun(cav8_isolate* state) {
  v8::Isolate* isolate = state->isolate;
  {
    std::lock_guard<std::mutex> lock(state->mutex);
    state->running = false;
  }
  // Drop whatever the code left queued (promise jobs, a pending termination): nothing of this run may execute
  // after it returns. A checkpoint taken while terminating discards the queue without running it.
  isolate->TerminateExecution();
  isolate->PerformMicrotaskCheckpoint();
  isolate->CancelTerminateExecution();
  state->rejections.clear();
  if (state->heap_raised) {
    // Collect the garbage of the run that hit the limit, then put the limit back to the session's.
    isolate->LowMemoryNotification();
    isolate->RemoveNearHeapLimitCallback(NearHeapLimit, state->heap_limit);
    isolate->AddNearHeapLimitCallback(NearHeapLimit, state);
    state->heap_raised = false;
  }
}

// --- state digest --------------------------------------------------------------------------------------------------

// Appends UTF-8 text as a JSON string literal.
void AppendJsonText(std::string& out, const std::string& text) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

struct DigestEntry {
  std::string name;
  v8::Local<v8::Value> value;
  bool lexical = false;
  bool uninitialized = false;  // a lexical binding whose declaring script failed before initialising it
  bool accessor = false;       // a getter on the global object: never run
};

std::string TypeOf(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  if (value->IsUndefined()) return "undefined";
  if (value->IsNull()) return "null";
  if (value->IsBoolean()) return "boolean";
  if (value->IsNumber()) return "number";
  if (value->IsString()) return "string";
  if (value->IsBigInt()) return "bigint";
  if (value->IsSymbol()) return "symbol";
  if (value->IsFunction()) return "function";
  if (value->IsProxy()) return "object";  // asking a proxy anything runs its traps
  if (value->IsArray()) return "Array(" + std::to_string(value.As<v8::Array>()->Length()) + ")";
  if (value->IsDate()) return "Date";
  if (value->IsRegExp()) return "RegExp";
  if (value->IsMap()) return "Map(" + std::to_string(value.As<v8::Map>()->Size()) + ")";
  if (value->IsSet()) return "Set(" + std::to_string(value.As<v8::Set>()->Size()) + ")";
  if (!value->IsObject()) return "object";
  // V8 reads the constructor's name from the object's map and prototype chain without running code.
  std::string name = JsonWriter::ToUtf8(isolate, value.As<v8::Object>()->GetConstructorName(), 200);
  return name.empty() || name == "Object" ? "object" : name;
}

// "name(a, b)" from the function's source: the parameter list as written (defaults included), whitespace folded.
std::string Signature(const std::string& name, const std::string& source) {
  auto is_identifier_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
  };
  if (source.compare(0, 5, "class") == 0 && (source.size() == 5 || !is_identifier_char(source[5]))) {
    return "class " + name;
  }
  std::string params;
  size_t paren = source.find('(');
  size_t arrow = source.find("=>");
  if (arrow != std::string::npos && (paren == std::string::npos || arrow < paren)) {
    params = source.substr(0, arrow);  // x => ..., async x => ...
    if (params.compare(0, 6, "async ") == 0) params = params.substr(6);
  } else if (paren != std::string::npos) {
    int depth = 0;
    size_t end = source.size();
    for (size_t i = paren; i < source.size(); ++i) {
      char c = source[i];
      if (c == '"' || c == '\'' || c == '`') {
        for (++i; i < source.size() && source[i] != c; ++i) {
          if (source[i] == '\\') ++i;
        }
      } else if (c == '/' && i + 1 < source.size() && source[i + 1] == '*') {
        size_t close = source.find("*/", i + 2);
        i = close == std::string::npos ? source.size() : close + 1;
      } else if (c == '/' && i + 1 < source.size() && source[i + 1] == '/') {
        size_t close = source.find('\n', i);
        i = close == std::string::npos ? source.size() : close;
      } else if (c == '(' || c == '[' || c == '{') {
        ++depth;
      } else if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
        end = i;
        break;
      }
    }
    params = source.substr(paren + 1, end > paren ? end - paren - 1 : 0);
  }
  std::string folded;
  for (char c : params) {
    bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (space) {
      if (!folded.empty() && folded.back() != ' ') folded += ' ';
    } else {
      folded += c;
    }
  }
  while (!folded.empty() && folded.back() == ' ') folded.pop_back();
  return name + "(" + folded + ")";
}

// A date as Date.prototype.toISOString writes it, computed here so that the code cannot replace it.
std::string IsoDate(double ms) {
  if (!std::isfinite(ms) || std::fabs(ms) > 8.64e15) return "Invalid Date";
  int64_t total = static_cast<int64_t>(ms);
  int64_t day_ms = 86400000;
  int64_t days = total / day_ms;
  int64_t rest = total % day_ms;
  if (rest < 0) {
    rest += day_ms;
    --days;
  }
  // Days since 1970-01-01 to a civil date (proleptic Gregorian), by 400-year eras.
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t year = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  if (month <= 2) ++year;
  char text[64];
  std::snprintf(text, sizeof text, year >= 0 && year <= 9999 ? "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ"
                                                              : "%+07lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(year), static_cast<long long>(month), static_cast<long long>(day),
                static_cast<long long>(rest / 3600000), static_cast<long long>(rest / 60000 % 60),
                static_cast<long long>(rest / 1000 % 60), static_cast<long long>(rest % 1000));
  return text;
}

std::string RegExpText(v8::Isolate* isolate, v8::Local<v8::RegExp> regexp) {
  std::string text = "/" + JsonWriter::ToUtf8(isolate, regexp->GetSource(), 1000) + "/";
  int flags = regexp->GetFlags();
  if (flags & v8::RegExp::kHasIndices) text += 'd';
  if (flags & v8::RegExp::kGlobal) text += 'g';
  if (flags & v8::RegExp::kIgnoreCase) text += 'i';
  if (flags & v8::RegExp::kMultiline) text += 'm';
  if (flags & v8::RegExp::kDotAll) text += 's';
  if (flags & v8::RegExp::kUnicode) text += 'u';
  if (flags & v8::RegExp::kSticky) text += 'y';
  return text;
}

std::string StopReason(cav8_isolate* state) {
  return state->stop_reason.load() == CAV8_STOP_MEMORY ? "(cannot be shown: it needs more memory than the sandbox allows)"
                                                       : "(cannot be shown: computing it took too long)";
}

std::string Preview(cav8_isolate* state, v8::Local<v8::Context> context, const DigestEntry& entry, size_t max_chars) {
  v8::Isolate* isolate = state->isolate;
  v8::Local<v8::Value> value = entry.value;
  if (entry.uninitialized) return "(uninitialized: the step declaring it failed first; it cannot be declared again)";
  if (entry.accessor) return "(cannot be shown: a getter on the global object is not run for the digest)";
  if (value->IsString()) {
    std::string out;
    v8::Local<v8::String> text = value.As<v8::String>();
    size_t length = std::min(static_cast<size_t>(text->Length()), max_chars + 1);
    std::vector<uint16_t> buffer(length);
    if (length > 0) text->Write(isolate, buffer.data(), 0, static_cast<int>(length), v8::String::NO_NULL_TERMINATION);
    JsonWriter::AppendQuoted(out, buffer.data(), length);
    return out;
  }
  if (value->IsFunction() && !value->IsProxy()) {
    v8::Local<v8::String> source;
    std::string head;
    if (value.As<v8::Function>()->FunctionProtoToString(context).ToLocal(&source)) {
      head = JsonWriter::ToUtf8(isolate, source, 2000);
    }
    return Signature(entry.name, head);
  }
  if (value->IsDate()) return IsoDate(value.As<v8::Date>()->ValueOf());
  if (value->IsRegExp()) return RegExpText(isolate, value.As<v8::RegExp>());
  if (value->IsObject() && Stopped(state)) return StopReason(state);

  // Everything else as the console shows it (compact JSON, Map/Set spelled out, cycles as "[Circular]"), which may
  // run the code's getters and toJSON: under the digest's limits, and any throw makes the value unshowable.
  v8::TryCatch try_catch(isolate);
  JsonWriter writer(isolate, context, JsonWriter::Mode::kDisplay, max_chars * 4);
  if (writer.Write(value) == JsonWriter::Result::kOk) return writer.text();
  if (Stopped(state) || try_catch.HasTerminated()) return StopReason(state);
  std::string thrown = "a value";
  if (try_catch.HasCaught() && try_catch.Exception()->IsNativeError()) {
    v8::Local<v8::Object> error = try_catch.Exception().As<v8::Object>();
    std::string name = ReadStringProperty(isolate, context, error, "name", "Error");
    std::string message = ReadStringProperty(isolate, context, error, "message", "");
    thrown = message.empty() ? name : name + ": " + message;
  }
  return "(cannot be shown: a getter or toJSON threw " + thrown + ")";
}

// Probes whether `name` is a binding of the script scope (let, const, class at the top level of a script), by
// evaluating it in a tiny script of its own: a name that is not a valid identifier fails to compile and is no
// binding. Names the global object has (own or inherited) are not probed: they would resolve to its property.
// Returns false when the name is no lexical binding, or when the digest was stopped.
bool ProbeLexical(cav8_isolate* state, v8::Local<v8::Context> context, const std::string& name, DigestEntry* entry) {
  v8::Isolate* isolate = state->isolate;
  // The name is pasted into code: only identifier characters may pass (any non-ASCII character is either part of
  // an identifier or makes the probe fail to compile; none is an operator or a quote).
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  // Keywords that are whole expressions would read as a value; every other reserved word fails to compile.
  if (name == "this" || name == "null" || name == "true" || name == "false") return false;
  for (char c : name) {
    bool ascii_ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
    if (!ascii_ok && static_cast<unsigned char>(c) < 0x80) return false;
  }
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::String> key;
  if (!v8::String::NewFromUtf8(isolate, name.data(), v8::NewStringType::kNormal, static_cast<int>(name.size()))
           .ToLocal(&key)) {
    return false;
  }
  v8::Maybe<bool> on_global = context->Global()->Has(context, key);
  if (on_global.IsNothing() || on_global.FromJust()) return false;
  // 0: readable (its value follows); 1: not declared anywhere; 2: declared but in its temporal dead zone.
  std::string code = "try { [0, " + name + "] } catch { try { typeof " + name + "; [1] } catch { [2] } }";
  v8::ScriptOrigin origin(isolate, Str(isolate, "<digest>"));
  v8::ScriptCompiler::Source source(Str(isolate, code), origin);
  v8::Local<v8::Script> script;
  v8::Local<v8::Value> result;
  if (!v8::ScriptCompiler::Compile(context, &source).ToLocal(&script) || !script->Run(context).ToLocal(&result) ||
      !result->IsArray()) {
    return false;
  }
  v8::Local<v8::Array> outcome = result.As<v8::Array>();
  v8::Local<v8::Value> tag;
  if (!outcome->Get(context, 0).ToLocal(&tag) || !tag->IsInt32()) return false;
  int kind = tag.As<v8::Int32>()->Value();
  if (kind == 1) return false;
  entry->name = name;
  entry->lexical = true;
  entry->uninitialized = kind == 2;
  if (kind == 0 && !outcome->Get(context, 1).ToLocal(&entry->value)) return false;
  if (kind == 2) entry->value = v8::Undefined(isolate);
  return true;
}

void Describe(cav8_isolate* state, v8::Local<v8::Context> context, const std::string& names, size_t max_chars,
              std::string* out) {
  v8::Isolate* isolate = state->isolate;
  v8::Local<v8::Object> global = context->Global();
  std::vector<DigestEntry> entries;
  std::unordered_set<std::string> seen;

  // Globals: top-level var and function declarations, and properties the code put on the global object.
  v8::Local<v8::Array> keys;
  {
    v8::TryCatch try_catch(isolate);
    if (!global->GetOwnPropertyNames(context, v8::SKIP_SYMBOLS, v8::KeyConversionMode::kConvertToString)
             .ToLocal(&keys)) {
      keys = v8::Array::New(isolate);
    }
  }
  v8::Local<v8::String> get_key = Str(isolate, "get");
  v8::Local<v8::String> value_key = Str(isolate, "value");
  for (uint32_t i = 0; i < keys->Length() && !Stopped(state); ++i) {
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Value> key;
    if (!keys->Get(context, i).ToLocal(&key) || !key->IsString()) continue;
    std::string name = JsonWriter::ToUtf8(isolate, key.As<v8::String>());
    if (state->sandbox_globals.count(name) != 0) continue;
    // Read through the property's descriptor, so that a getter on the global object is not run.
    v8::Local<v8::Value> descriptor;
    if (!global->GetOwnPropertyDescriptor(context, key.As<v8::Name>()).ToLocal(&descriptor) ||
        !descriptor->IsObject()) {
      continue;
    }
    DigestEntry entry;
    entry.name = name;
    v8::Local<v8::Object> fields = descriptor.As<v8::Object>();
    if (fields->HasOwnProperty(context, get_key).FromMaybe(false)) {
      entry.accessor = true;
      entry.value = v8::Undefined(isolate);
    } else if (!fields->Get(context, value_key).ToLocal(&entry.value)) {
      continue;
    }
    seen.insert(name);
    entries.push_back(entry);
  }

  // Lexical bindings of the script scope, which the global object does not show.
  size_t start = 0;
  while (start < names.size() && !Stopped(state)) {
    size_t end = names.find('\n', start);
    if (end == std::string::npos) end = names.size();
    std::string name = names.substr(start, end - start);
    start = end + 1;
    if (name.empty() || seen.count(name) != 0 || state->sandbox_globals.count(name) != 0) continue;
    DigestEntry entry;
    if (ProbeLexical(state, context, name, &entry)) {
      seen.insert(name);
      entries.push_back(entry);
    }
  }

  bool stopped = Stopped(state);
  std::string entries_json;
  for (const DigestEntry& entry : entries) {
    std::string type = entry.uninitialized ? "uninitialized" : entry.accessor ? "accessor" : TypeOf(isolate, entry.value);
    std::string preview = Preview(state, context, entry, max_chars);
    if (!entries_json.empty()) entries_json += ',';
    entries_json += '[';
    AppendJsonText(entries_json, entry.name);
    entries_json += ',';
    AppendJsonText(entries_json, type);
    entries_json += ',';
    AppendJsonText(entries_json, preview);
    entries_json += entry.lexical ? ",1]" : ",0]";
  }
  *out = std::string("{\"stopped\":") + (stopped ? "1" : "0") + ",\"entries\":[" + entries_json + "]}";
}

void Fill(char** text, int32_t* length, const std::string& value) {
  *text = CopyString(value);
  *length = static_cast<int32_t>(value.size());
}

}  // namespace
}  // namespace codeact

using namespace codeact;

extern "C" {

int32_t cav8_abi_version(void) { return CAV8_ABI_VERSION; }

const char* cav8_v8_version(void) { return v8::V8::GetVersion(); }

int32_t cav8_initialize(cav8_host_callback callback, char** error) {
  try {
    std::call_once(g_init_once, [callback] {
      g_host_callback = callback;
      std::unique_ptr<v8::Platform> inner = v8::platform::NewDefaultPlatform(
          kWorkerThreads, v8::platform::IdleTaskSupport::kDisabled, v8::platform::InProcessStackDumping::kDisabled);
      g_platform = new SandboxPlatform(std::move(inner));
      v8::V8::InitializePlatform(g_platform);
      v8::V8::InitializeICU();
      if (!v8::V8::Initialize()) g_init_error = "V8 failed to initialise.";
    });
    if (!g_init_error.empty()) {
      SetError(error, g_init_error);
      return CAV8_FAILED;
    }
    return CAV8_OK;
  } catch (const std::exception& e) {
    SetError(error, std::string("V8 failed to initialise: ") + e.what());
    return CAV8_FAILED;
  } catch (...) {
    SetError(error, "V8 failed to initialise.");
    return CAV8_FAILED;
  }
}

int32_t cav8_isolate_new(const cav8_isolate_options* options, cav8_isolate** result, char** error) {
  *result = nullptr;
  if (g_platform == nullptr) {
    SetError(error, "cav8_initialize must be called first.");
    return CAV8_FAILED;
  }
  auto state = std::make_unique<cav8_isolate>();
  try {
    state->allow_webassembly = options->allow_webassembly != 0;
    state->heap_limit = static_cast<size_t>(options->heap_limit_bytes);
    state->allocator = std::make_shared<CountingAllocator>(state.get());
    state->allocator->SetLimit(options->heap_limit_bytes);

    v8::Isolate::CreateParams params;
    params.array_buffer_allocator_shared = state->allocator;
    params.constraints.set_max_old_generation_size_in_bytes(state->heap_limit);
    params.constraints.set_max_young_generation_size_in_bytes(kYoungGenerationBytes);
    params.oom_error_callback = OnOutOfMemory;
    v8::Isolate* isolate = v8::Isolate::Allocate();
    state->isolate = isolate;
    isolate->SetData(0, state.get());
    state->tasks = g_platform->RunnerFor(isolate);
    v8::Isolate::Initialize(isolate, params);

    std::string failure;
    {
      v8::Locker locker(isolate);
      v8::Isolate::Scope isolate_scope(isolate);
      SetStackLimitBelowHere(isolate, kSetupStackBytes);
      isolate->SetFatalErrorHandler(OnFatalError);
      isolate->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
      isolate->SetPromiseRejectCallback(OnPromiseReject);
      isolate->AddNearHeapLimitCallback(NearHeapLimit, state.get());
      if (!state->allow_webassembly) isolate->SetAllowWasmCodeGenerationCallback(DenyWasmCodeGeneration);
      CreateContext(state.get(), &failure);
    }
    if (!failure.empty()) {
      cav8_isolate_free(state.release());
      SetError(error, failure);
      return CAV8_FAILED;
    }
    *result = state.release();
    return CAV8_OK;
  } catch (const std::exception& e) {
    SetError(error, std::string("Could not create a V8 isolate: ") + e.what());
    return CAV8_FAILED;
  } catch (...) {
    SetError(error, "Could not create a V8 isolate.");
    return CAV8_FAILED;
  }
}

int32_t cav8_isolate_set_limits(cav8_isolate* state, const cav8_limits* limits, char** error) {
  try {
    v8::Isolate* isolate = state->isolate;
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    SetStackLimitBelowHere(isolate, kSetupStackBytes);
    state->heap_limit = static_cast<size_t>(limits->heap_limit_bytes);
    state->stack_limit_bytes = static_cast<size_t>(limits->stack_limit_bytes);
    state->allocator->SetLimit(limits->array_buffer_limit_bytes);
    // Lowers the heap limit to the session's (V8 raises it again through NearHeapLimit when the session allows
    // more than the isolate was created with).
    isolate->RemoveNearHeapLimitCallback(NearHeapLimit, state->heap_limit);
    isolate->AddNearHeapLimitCallback(NearHeapLimit, state);
    return CAV8_OK;
  } catch (const std::exception& e) {
    SetError(error, e.what());
    return CAV8_FAILED;
  } catch (...) {
    SetError(error, "Could not set the limits.");
    return CAV8_FAILED;
  }
}

int32_t cav8_isolate_define_tool(cav8_isolate* state, const char* name, int32_t name_length, int32_t index,
                                 int32_t arity, char** error) {
  try {
    v8::Isolate* isolate = state->isolate;
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    SetStackLimitBelowHere(isolate, kSetupStackBytes);
    v8::HandleScope handles(isolate);
    v8::Local<v8::Context> context = state->context.Get(isolate);
    v8::Context::Scope context_scope(context);
    v8::TryCatch try_catch(isolate);
    std::string tool_name(name, static_cast<size_t>(name_length));
    v8::Local<v8::String> key = Str(isolate, tool_name);
    v8::Local<v8::Object> global = context->Global();
    if (global->Has(context, key).FromMaybe(true)) {
      SetError(error, "The tool '" + tool_name +
                          "' would hide the JavaScript global of the same name. Rename the tool.");
      return CAV8_FAILED;
    }
    auto data = std::make_unique<ToolData>(ToolData{tool_name, index});
    v8::Local<v8::Function> function;
    if (!v8::FunctionTemplate::New(isolate, ToolCallback, v8::External::New(isolate, data.get()),
                                   v8::Local<v8::Signature>(), arity, v8::ConstructorBehavior::kThrow)
             ->GetFunction(context)
             .ToLocal(&function)) {
      SetError(error, "Could not create the tool function '" + tool_name + "'.");
      return CAV8_FAILED;
    }
    function->SetName(key);
    if (!global->DefineOwnProperty(context, key, function, v8::DontEnum).FromMaybe(false)) {
      SetError(error, "Could not define the tool '" + tool_name + "'.");
      return CAV8_FAILED;
    }
    state->tools.push_back(std::move(data));
    state->sandbox_globals.insert(tool_name);
    return CAV8_OK;
  } catch (const std::exception& e) {
    SetError(error, e.what());
    return CAV8_FAILED;
  } catch (...) {
    SetError(error, "Could not define the tool.");
    return CAV8_FAILED;
  }
}

int32_t cav8_isolate_run(cav8_isolate* state, const char* code, int32_t code_length,
                         const cav8_run_options* options, cav8_result* result, char** error) {
  std::memset(result, 0, sizeof *result);
  try {
    v8::Isolate* isolate = state->isolate;
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    SetStackLimitBelowHere(isolate, state->stack_limit_bytes);
    v8::HandleScope handles(isolate);
    v8::Local<v8::Context> context = state->context.Get(isolate);
    v8::Context::Scope context_scope(context);

    state->host_state = options->host_state;
    state->max_value_chars = static_cast<size_t>(options->max_value_chars);
    state->max_display_chars = static_cast<size_t>(options->max_display_chars);
    state->has_final_answer = false;
    state->final_answer_truncated = false;
    state->final_answer.clear();
    BeginRun(state, options->run_id);

    Outcome outcome;
    {
      v8::TryCatch try_catch(isolate);
      RunCode(state, context, try_catch, code, code_length, &outcome);
    }

    EndRun(state);

    int32_t stop = state->stop_reason.load();
    if (stop == CAV8_STOP_NONE && outcome.kind == CAV8_OUTCOME_RUNTIME_ERROR && state->array_buffer_exhausted &&
        outcome.error_kind == "RangeError") {
      stop = CAV8_STOP_MEMORY;  // V8's "Array buffer allocation failed", left unhandled
    }
    if (stop != CAV8_STOP_NONE) {
      result->outcome = CAV8_OUTCOME_STOPPED;
      result->stop_reason = stop;
      if (stop == CAV8_STOP_FINAL_ANSWER && state->has_final_answer) {
        result->has_final_answer = 1;
        result->final_answer_truncated = state->final_answer_truncated ? 1 : 0;
        Fill(&result->final_answer_json, &result->final_answer_length, state->final_answer);
      }
      return CAV8_OK;
    }

    result->outcome = outcome.kind;
    if (outcome.kind == CAV8_OUTCOME_COMPLETED) {
      if (outcome.has_value) {
        result->has_value = 1;
        result->value_truncated = outcome.value_truncated ? 1 : 0;
        Fill(&result->value_json, &result->value_length, outcome.value);
      }
    } else {
      Fill(&result->error_kind, &result->error_kind_length, outcome.error_kind);
      Fill(&result->error_message, &result->error_message_length, outcome.error_message);
      result->error_line = outcome.line;
      result->error_column = outcome.column;
    }
    return CAV8_OK;
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->running = false;
    }
    SetError(error, std::string("The V8 run failed: ") + e.what());
    return CAV8_FAILED;
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->running = false;
    }
    SetError(error, "The V8 run failed.");
    return CAV8_FAILED;
  }
}

int32_t cav8_isolate_describe(cav8_isolate* state, const char* names, int32_t names_length, int64_t run_id,
                              int32_t max_preview_chars, char** digest, int32_t* digest_length, char** error) {
  *digest = nullptr;
  *digest_length = 0;
  try {
    v8::Isolate* isolate = state->isolate;
    v8::Locker locker(isolate);
    v8::Isolate::Scope isolate_scope(isolate);
    SetStackLimitBelowHere(isolate, state->stack_limit_bytes);
    v8::HandleScope handles(isolate);
    v8::Local<v8::Context> context = state->context.Get(isolate);
    v8::Context::Scope context_scope(context);

    state->host_state = nullptr;
    state->describing = true;
    BeginRun(state, run_id);
    std::string text;
    {
      v8::TryCatch try_catch(isolate);
      Describe(state, context, std::string(names == nullptr ? "" : names, names == nullptr ? 0 : names_length),
               static_cast<size_t>(max_preview_chars > 0 ? max_preview_chars : 80), &text);
    }
    EndRun(state);
    state->describing = false;
    Fill(digest, digest_length, text);
    return CAV8_OK;
  } catch (const std::exception& e) {
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->running = false;
    }
    state->describing = false;
    SetError(error, std::string("The state digest failed: ") + e.what());
    return CAV8_FAILED;
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->running = false;
    }
    state->describing = false;
    SetError(error, "The state digest failed.");
    return CAV8_FAILED;
  }
}

void cav8_isolate_terminate(cav8_isolate* state, int64_t run_id) {
  try {
    std::lock_guard<std::mutex> lock(state->mutex);
    if (state->running && state->run_id == run_id) {
      state->RequestStop(CAV8_STOP_HOST);
    } else if (!state->running && run_id > state->run_id) {
      state->terminate_requested_for = run_id;  // the run has not started yet
    }
  } catch (...) {
  }
}

void cav8_isolate_free(cav8_isolate* state) {
  if (state == nullptr) return;
  try {
    v8::Isolate* isolate = state->isolate;
    if (isolate != nullptr) {
      {
        v8::Locker locker(isolate);
        v8::Isolate::Scope isolate_scope(isolate);
        state->rejections.clear();
        state->context.Reset();
      }
      if (state->tasks) state->tasks->Shutdown();
      isolate->Dispose();
      g_platform->Forget(isolate);
    }
  } catch (...) {
  }
  delete state;
}

void cav8_reply_set(cav8_reply* reply, const char* utf8, int32_t length) {
  try {
    if (reply != nullptr) reply->text.assign(utf8 == nullptr ? "" : utf8, utf8 == nullptr ? 0 : length);
  } catch (...) {
  }
}

void cav8_result_free(cav8_result* result) {
  if (result == nullptr) return;
  std::free(result->value_json);
  std::free(result->final_answer_json);
  std::free(result->error_kind);
  std::free(result->error_message);
  std::memset(result, 0, sizeof *result);
}

void cav8_string_free(char* text) { std::free(text); }

}  // extern "C"
