/*
 * codeact_v8: the C ABI between CodeActSdk.V8 (managed) and V8 (libnode.so.108).
 *
 * Plain functions, opaque handles, UTF-8 buffers and status codes only: no C++ exception, STL type or V8 type
 * crosses this boundary. Strings the shim hands out are NUL-terminated, carry their length, and are released with
 * cav8_string_free / cav8_result_free. Every function is safe to call from any thread; an isolate is used by one
 * thread at a time (the shim takes V8's lock), except cav8_isolate_terminate, which any thread may call at any time.
 */
#ifndef CODEACT_V8_H
#define CODEACT_V8_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CAV8_EXPORT __attribute__((visibility("default")))

/* Bumped whenever a signature or a struct below changes; the managed side refuses a shim of another version. */
#define CAV8_ABI_VERSION 2

typedef struct cav8_isolate cav8_isolate; /* one V8 isolate with its one sandboxed context */
typedef struct cav8_reply cav8_reply;     /* where the host writes its answer to a callback */

/* Status codes of the functions that can fail. On CAV8_FAILED, *error receives a message (free it). */
enum { CAV8_OK = 0, CAV8_FAILED = 1 };

/* What the sandboxed code asks of the host. */
enum {
  CAV8_OP_CONSOLE = 1, /* index: 0 log, 1 info, 2 warn, 3 error, 4 debug; text: the formatted line */
  CAV8_OP_TOOL = 2     /* index: the tool's index; text: the arguments as a JSON array */
};

/* How the host answers a callback (the return value of cav8_host_callback). */
enum {
  CAV8_REPLY_VALUE = 0,      /* the reply holds JSON (a tool's result), or nothing for null */
  CAV8_REPLY_ERROR = 1,      /* the reply holds a message: the code sees a thrown Error */
  CAV8_REPLY_TYPE_ERROR = 2, /* the reply holds a message: the code sees a thrown TypeError */
  CAV8_REPLY_STOP = 3        /* the execution must end now (a limit or a cancellation on the host side) */
};

/*
 * Called on the thread running the code, inside cav8_isolate_run. host_state is the run's
 * cav8_run_options.host_state. The text is valid only during the call.
 */
typedef int32_t (*cav8_host_callback)(void* host_state, int32_t op, int32_t index, const char* text,
                                      int32_t text_length, cav8_reply* reply);

/* How a run ended. */
enum {
  CAV8_OUTCOME_COMPLETED = 0,     /* value_json holds the completion value (has_value = 0 for undefined) */
  CAV8_OUTCOME_SYNTAX_ERROR = 1,  /* the code did not compile; nothing ran */
  CAV8_OUTCOME_RUNTIME_ERROR = 2, /* the code threw, or its value could not become JSON */
  CAV8_OUTCOME_STOPPED = 3        /* the run was ended from outside the code; see stop_reason */
};

/* Why a run was stopped. */
enum {
  CAV8_STOP_NONE = 0,
  CAV8_STOP_FINAL_ANSWER = 1, /* final_answer(...) was called: final_answer_json holds its value */
  CAV8_STOP_MEMORY = 2,       /* the heap or the array-buffer budget was exhausted */
  CAV8_STOP_HOST = 3          /* cav8_isolate_terminate, or a host callback replied CAV8_REPLY_STOP */
};

typedef struct cav8_isolate_options {
  int64_t heap_limit_bytes;  /* the heap the isolate is created with (a session may lower or raise it) */
  int32_t allow_webassembly; /* nonzero keeps the WebAssembly global */
  int32_t reserved;
} cav8_isolate_options;

typedef struct cav8_limits {
  int64_t heap_limit_bytes;         /* the old-generation heap the session's code may keep */
  int64_t array_buffer_limit_bytes; /* the array-buffer backing stores the code may keep alive at once */
  int64_t stack_limit_bytes;        /* the machine stack JavaScript may use below the entry of a run */
} cav8_limits;

typedef struct cav8_run_options {
  int64_t run_id;            /* identifies the run for cav8_isolate_terminate; unique per isolate */
  void* host_state;          /* passed to the host callback */
  int32_t max_value_chars;   /* bound on the JSON of the value and of final_answer's argument */
  int32_t max_display_chars; /* bound on one formatted console line */
} cav8_run_options;

/* Filled by cav8_isolate_run; release with cav8_result_free. Absent strings are NULL with length 0. */
typedef struct cav8_result {
  int32_t outcome;
  int32_t stop_reason;
  int32_t has_value;
  int32_t value_truncated;
  int32_t has_final_answer;
  int32_t final_answer_truncated;
  int32_t error_line;   /* 1-based; 0 when unknown */
  int32_t error_column; /* 1-based; 0 when unknown */
  char* value_json;
  char* final_answer_json;
  char* error_kind;
  char* error_message;
  int32_t value_length;
  int32_t final_answer_length;
  int32_t error_kind_length;
  int32_t error_message_length;
} cav8_result;

/* CAV8_ABI_VERSION of this shim. */
CAV8_EXPORT int32_t cav8_abi_version(void);

/* The V8 version, for example "10.2.154.26-node.36". */
CAV8_EXPORT const char* cav8_v8_version(void);

/*
 * Initialises V8 once per process (later calls return the first call's status) and sets the host callback.
 * Thread-safe.
 */
CAV8_EXPORT int32_t cav8_initialize(cav8_host_callback callback, char** error);

/* Creates an isolate and its sandboxed context, ready to run code. */
CAV8_EXPORT int32_t cav8_isolate_new(const cav8_isolate_options* options, cav8_isolate** isolate, char** error);

/* Applies a session's limits. */
CAV8_EXPORT int32_t cav8_isolate_set_limits(cav8_isolate* isolate, const cav8_limits* limits, char** error);

/*
 * Defines a global function that calls the host with CAV8_OP_TOOL and the given index. Fails, naming the global,
 * when the name is already defined (it would hide a JavaScript global).
 */
CAV8_EXPORT int32_t cav8_isolate_define_tool(cav8_isolate* isolate, const char* name, int32_t name_length,
                                             int32_t index, int32_t arity, char** error);

/*
 * Runs code as a classic script in the isolate's context, drains the microtask queue, awaits a promise value, and
 * fills *result. Failures of the code are outcomes, not CAV8_FAILED (which means a fault of the shim or V8).
 */
CAV8_EXPORT int32_t cav8_isolate_run(cav8_isolate* isolate, const char* code, int32_t code_length,
                                     const cav8_run_options* options, cav8_result* result, char** error);

/*
 * Describes the variables the session's code defined (its state digest) as UTF-8 JSON in *digest (free it with
 * cav8_string_free): {"stopped":0|1,"entries":[[name,type,preview,lexical],...]}.
 *
 * The entries are the global object's own properties that were not there when the context was ready (built-ins,
 * console, final_answer) and are not tools, then each of the candidate names that is a top-level lexical binding
 * (let, const, class) of the script scope: V8 keeps those out of the global object, so the host passes the
 * identifiers of the code it ran (names: separated by '\n') and each one is probed. A lexical binding whose
 * declaring script failed before initialising it has the type "uninitialized". Previews are at most about
 * max_preview_chars characters of compact JSON-like text (the host cuts them exactly).
 *
 * Runs like a run: under the session's limits, stopped by cav8_isolate_terminate(run_id), with everything the
 * code's getters queue dropped afterwards. Nothing reaches the host callback: console output is dropped, tools and
 * final_answer throw. stopped = 1 when the digest was stopped before it was complete (its remaining previews say
 * so, and lexical candidates not yet probed are missing).
 */
CAV8_EXPORT int32_t cav8_isolate_describe(cav8_isolate* isolate, const char* names, int32_t names_length,
                                          int64_t run_id, int32_t max_preview_chars, char** digest,
                                          int32_t* digest_length, char** error);

/*
 * Stops run run_id: now if it is running, or as soon as it starts. Does nothing for another run. Thread-safe and
 * lock-free with respect to the running code.
 */
CAV8_EXPORT void cav8_isolate_terminate(cav8_isolate* isolate, int64_t run_id);

/* Disposes the isolate. It must not be running. */
CAV8_EXPORT void cav8_isolate_free(cav8_isolate* isolate);

/* Sets the host's answer to a callback (copied). */
CAV8_EXPORT void cav8_reply_set(cav8_reply* reply, const char* utf8, int32_t length);

CAV8_EXPORT void cav8_result_free(cav8_result* result);
CAV8_EXPORT void cav8_string_free(char* text);

#ifdef __cplusplus
}
#endif

#endif /* CODEACT_V8_H */
