// Converts JavaScript values to JSON text (UTF-8) with JSON.stringify's rules, a bound on the size of the text,
// and clear errors for what JSON cannot hold (cycles); BigInts are written as their digits. Also formats values for
// console output.
#ifndef CODEACT_V8_JSON_WRITER_H
#define CODEACT_V8_JSON_WRITER_H

#include <v8.h>

#include <string>
#include <vector>

namespace codeact {

class JsonWriter {
 public:
  enum class Mode {
    kJson,    // JSON.stringify semantics; values past the bound are cut with visible markers
    kDisplay  // console formatting: strings bare at the top, errors as "Name: message", cycles as "[Circular]"
  };

  enum class Result {
    kOk,         // text() holds the JSON
    kUndefined,  // the value has no JSON form (undefined, a function, a symbol): nothing was written
    kInvalid,    // the value cannot become JSON; error() says why and what to do
    kException   // JavaScript code run by the conversion (a getter, toJSON) threw or was terminated
  };

  JsonWriter(v8::Isolate* isolate, v8::Local<v8::Context> context, Mode mode, size_t max_chars);

  Result Write(v8::Local<v8::Value> value);

  const std::string& text() const { return out_; }
  std::string& mutable_text() { return out_; }
  const std::string& error() const { return error_; }
  bool truncated() const { return truncated_; }

  // Appends value as a JSON string literal (escaped, lone surrogates replaced).
  static void AppendQuoted(std::string& out, const uint16_t* chars, size_t length);
  // Appends value's characters as UTF-8 (lone surrogates replaced).
  static void AppendUtf8(std::string& out, const uint16_t* chars, size_t length);
  // The string's UTF-8 text, up to max_chars UTF-16 units.
  static std::string ToUtf8(v8::Isolate* isolate, v8::Local<v8::String> value, size_t max_chars = SIZE_MAX);

 private:
  enum class Step { kWritten, kSkip, kFail };

  Step WriteValue(v8::Local<v8::Value> value, v8::Local<v8::Value> key, int depth);
  Step WriteObject(v8::Local<v8::Object> object, int depth);
  Step WriteArray(v8::Local<v8::Array> array, int depth);
  void WriteString(v8::Local<v8::String> value);
  Step WriteNumber(double number);
  bool WriteDisplayTop(v8::Local<v8::Value> value);
  std::string Path() const;
  std::string Describe(v8::Local<v8::Object> object) const;
  bool Full() const { return out_.size() > max_chars_; }

  v8::Isolate* isolate_;
  v8::Local<v8::Context> context_;
  Mode mode_;
  size_t max_chars_;
  v8::Local<v8::String> to_json_key_;
  std::string out_;
  std::string error_;
  bool truncated_ = false;
  std::vector<v8::Local<v8::Object>> stack_;
  std::vector<std::string> path_;
};

}  // namespace codeact

#endif
