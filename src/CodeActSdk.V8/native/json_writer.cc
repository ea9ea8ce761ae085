#include "json_writer.h"

#include <cmath>
#include <cstdio>

namespace codeact {
namespace {

constexpr int kMaxDepth = 64;

v8::Local<v8::String> Literal(v8::Isolate* isolate, const char* text) {
  return v8::String::NewFromUtf8(isolate, text, v8::NewStringType::kInternalized).ToLocalChecked();
}

// 1234567 -> "1,234,567", as the managed side formats counts.
std::string Grouped(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

void AppendCodePoint(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes UTF-16 into code points; a lone surrogate becomes U+FFFD so the text is always valid UTF-8.
template <typename Emit>
void ForEachCodePoint(const uint16_t* chars, size_t length, Emit emit) {
  for (size_t i = 0; i < length; ++i) {
    uint32_t unit = chars[i];
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 1 < length && chars[i + 1] >= 0xDC00 && chars[i + 1] <= 0xDFFF) {
      emit(0x10000 + ((unit - 0xD800) << 10) + (chars[i + 1] - 0xDC00));
      ++i;
    } else if (unit >= 0xD800 && unit <= 0xDFFF) {
      emit(0xFFFD);
    } else {
      emit(unit);
    }
  }
}

}  // namespace

JsonWriter::JsonWriter(v8::Isolate* isolate, v8::Local<v8::Context> context, Mode mode, size_t max_chars)
    : isolate_(isolate),
      context_(context),
      mode_(mode),
      max_chars_(max_chars),
      to_json_key_(Literal(isolate, "toJSON")) {}

void JsonWriter::AppendUtf8(std::string& out, const uint16_t* chars, size_t length) {
  ForEachCodePoint(chars, length, [&](uint32_t cp) { AppendCodePoint(out, cp); });
}

void JsonWriter::AppendQuoted(std::string& out, const uint16_t* chars, size_t length) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  ForEachCodePoint(chars, length, [&](uint32_t cp) {
    switch (cp) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (cp < 0x20) {
          out += "\\u00";
          out += kHex[cp >> 4];
          out += kHex[cp & 0xF];
        } else {
          AppendCodePoint(out, cp);
        }
    }
  });
  out += '"';
}

std::string JsonWriter::ToUtf8(v8::Isolate* isolate, v8::Local<v8::String> value, size_t max_chars) {
  size_t length = static_cast<size_t>(value->Length());
  if (length > max_chars) length = max_chars;
  std::vector<uint16_t> buffer(length);
  value->Write(isolate, buffer.data(), 0, static_cast<int>(length), v8::String::NO_NULL_TERMINATION);
  std::string out;
  out.reserve(length);
  AppendUtf8(out, buffer.data(), length);
  return out;
}

JsonWriter::Result JsonWriter::Write(v8::Local<v8::Value> value) {
  out_.clear();
  error_.clear();
  truncated_ = false;
  stack_.clear();
  path_.clear();
  if (mode_ == Mode::kDisplay) {
    if (WriteDisplayTop(value)) return Result::kOk;
    return error_.empty() ? Result::kException : Result::kInvalid;
  }

  switch (WriteValue(value, v8::String::Empty(isolate_), 0)) {
    case Step::kWritten: return Result::kOk;
    case Step::kSkip: return Result::kUndefined;
    default: return error_.empty() ? Result::kException : Result::kInvalid;
  }
}

JsonWriter::Step JsonWriter::WriteValue(v8::Local<v8::Value> value, v8::Local<v8::Value> key, int depth) {
  // SerializeJSONProperty: toJSON first, then unwrap boxed primitives.
  if (value->IsObject() || value->IsBigInt()) {
    v8::Local<v8::Object> holder;
    if (!value->ToObject(context_).ToLocal(&holder)) return Step::kFail;
    v8::Local<v8::Value> to_json;
    if (!holder->Get(context_, to_json_key_).ToLocal(&to_json)) return Step::kFail;
    if (to_json->IsFunction()) {
      v8::Local<v8::String> key_text;
      if (!key->ToString(context_).ToLocal(&key_text)) return Step::kFail;
      v8::Local<v8::Value> argv[] = {key_text};
      if (!to_json.As<v8::Function>()->Call(context_, value, 1, argv).ToLocal(&value)) return Step::kFail;
    }
  }
  if (value->IsNumberObject()) {
    value = v8::Number::New(isolate_, value.As<v8::NumberObject>()->ValueOf());
  } else if (value->IsStringObject()) {
    value = value.As<v8::StringObject>()->ValueOf();
  } else if (value->IsBooleanObject()) {
    value = v8::Boolean::New(isolate_, value.As<v8::BooleanObject>()->ValueOf());
  } else if (value->IsBigIntObject()) {
    value = value.As<v8::BigIntObject>()->ValueOf();
  }

  if (value->IsNull()) {
    out_ += "null";
    return Step::kWritten;
  }
  if (value->IsTrue()) {
    out_ += "true";
    return Step::kWritten;
  }
  if (value->IsFalse()) {
    out_ += "false";
    return Step::kWritten;
  }
  if (value->IsString()) {
    WriteString(value.As<v8::String>());
    return Step::kWritten;
  }
  if (value->IsNumber()) return WriteNumber(value.As<v8::Number>()->Value());
  if (value->IsBigInt()) {
    // JSON.stringify refuses BigInts, but their digits are a valid JSON number: kept exactly, as every backend
    // writes big integers.
    v8::Local<v8::String> digits;
    if (!value->ToString(context_).ToLocal(&digits)) return Step::kFail;
    out_ += ToUtf8(isolate_, digits);
    return Step::kWritten;
  }
  if (!value->IsObject() || value->IsFunction()) return Step::kSkip;  // undefined, symbols, functions

  v8::Local<v8::Object> object = value.As<v8::Object>();
  if (mode_ == Mode::kDisplay && object->IsNativeError()) {
    std::string described = Describe(object);
    if (isolate_->IsExecutionTerminating()) return Step::kFail;
    v8::Local<v8::String> text;
    if (!v8::String::NewFromUtf8(isolate_, described.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(described.size()))
             .ToLocal(&text)) {
      return Step::kFail;
    }
    WriteString(text);
    return Step::kWritten;
  }
  if (depth >= kMaxDepth) {
    truncated_ = true;
    out_ += "\"[nested deeper than " + std::to_string(kMaxDepth) + " levels]\"";
    return Step::kWritten;
  }
  for (const auto& open : stack_) {
    if (open == object) {
      if (mode_ == Mode::kDisplay) {
        out_ += "\"[Circular]\"";
        return Step::kWritten;
      }
      error_ = "The value is cyclic: " + Path() +
               " refers back to an object that contains it. Return or pass plain data (copy the fields you need).";
      return Step::kFail;
    }
  }

  stack_.push_back(object);
  Step step = object->IsArray() ? WriteArray(object.As<v8::Array>(), depth) : WriteObject(object, depth);
  stack_.pop_back();
  return step;
}

JsonWriter::Step JsonWriter::WriteArray(v8::Local<v8::Array> array, int depth) {
  uint32_t length = array->Length();
  out_ += '[';
  for (uint32_t i = 0; i < length; ++i) {
    if (i > 0) out_ += ',';
    if (Full()) {
      truncated_ = true;
      out_ += "\"[truncated: " + Grouped(length - i) + " more items]\"";
      break;
    }
    v8::Local<v8::Value> item;
    if (!array->Get(context_, i).ToLocal(&item)) return Step::kFail;
    path_.push_back("[" + std::to_string(i) + "]");
    Step step = WriteValue(item, v8::Integer::NewFromUnsigned(isolate_, i), depth + 1);
    path_.pop_back();
    if (step == Step::kFail) return step;
    if (step == Step::kSkip) out_ += "null";
  }
  out_ += ']';
  return Step::kWritten;
}

JsonWriter::Step JsonWriter::WriteObject(v8::Local<v8::Object> object, int depth) {
  if (mode_ == Mode::kDisplay && (object->IsMap() || object->IsSet())) {
    // Readable forms for the console: JSON would show both as {}.
    bool is_map = object->IsMap();
    v8::Local<v8::Array> entries = is_map ? object.As<v8::Map>()->AsArray() : object.As<v8::Set>()->AsArray();
    uint32_t count = entries->Length() / (is_map ? 2 : 1);
    out_ += (is_map ? "Map(" : "Set(") + std::to_string(count) + ") {";
    for (uint32_t i = 0; i < count; ++i) {
      if (i > 0) out_ += ", ";
      if (Full()) {
        truncated_ = true;
        out_ += "... " + Grouped(count - i) + " more";
        break;
      }
      for (uint32_t part = 0; part < (is_map ? 2u : 1u); ++part) {
        if (part == 1) out_ += " => ";
        v8::Local<v8::Value> item;
        if (!entries->Get(context_, i * (is_map ? 2 : 1) + part).ToLocal(&item)) return Step::kFail;
        Step step = WriteValue(item, v8::String::Empty(isolate_), depth + 1);
        if (step == Step::kFail) return step;
        if (step == Step::kSkip) out_ += "undefined";
      }
    }
    out_ += '}';
    return Step::kWritten;
  }

  v8::Local<v8::Array> keys;
  if (!object
           ->GetOwnPropertyNames(context_,
                                 static_cast<v8::PropertyFilter>(v8::ONLY_ENUMERABLE | v8::SKIP_SYMBOLS),
                                 v8::KeyConversionMode::kConvertToString)
           .ToLocal(&keys)) {
    return Step::kFail;
  }
  out_ += '{';
  bool first = true;
  uint32_t count = keys->Length();
  for (uint32_t i = 0; i < count; ++i) {
    if (Full()) {
      truncated_ = true;
      if (!first) out_ += ',';
      out_ += "\"\xE2\x80\xA6\":\"[truncated: more properties were left out]\"";
      break;
    }
    v8::Local<v8::Value> key;
    v8::Local<v8::Value> item;
    if (!keys->Get(context_, i).ToLocal(&key) || !object->Get(context_, key).ToLocal(&item)) return Step::kFail;
    size_t mark = out_.size();
    if (!first) out_ += ',';
    v8::Local<v8::String> key_text = key.As<v8::String>();
    WriteString(key_text);
    out_ += ':';
    path_.push_back("." + ToUtf8(isolate_, key_text, 200));
    Step step = WriteValue(item, key, depth + 1);
    path_.pop_back();
    if (step == Step::kFail) return step;
    if (step == Step::kSkip) {
      out_.resize(mark);
      continue;
    }
    first = false;
  }
  out_ += '}';
  return Step::kWritten;
}

void JsonWriter::WriteString(v8::Local<v8::String> value) {
  size_t length = static_cast<size_t>(value->Length());
  size_t room = out_.size() >= max_chars_ ? 0 : max_chars_ - out_.size();
  size_t take = length;
  // A string that alone would overflow the bound is cut, with a note inside it, rather than left whole.
  if (length > room + 64) {
    take = room;
    truncated_ = true;
  }
  std::vector<uint16_t> buffer(take);
  if (take > 0) value->Write(isolate_, buffer.data(), 0, static_cast<int>(take), v8::String::NO_NULL_TERMINATION);
  if (take < length && take > 0 && buffer[take - 1] >= 0xD800 && buffer[take - 1] <= 0xDBFF) --take;
  if (take == length) {
    AppendQuoted(out_, buffer.data(), take);
    return;
  }
  AppendQuoted(out_, buffer.data(), take);
  out_.pop_back();  // reopen the literal to add the note
  out_ += "\xE2\x80\xA6[truncated: " + Grouped(length - take) + " more characters]\"";
}

JsonWriter::Step JsonWriter::WriteNumber(double number) {
  if (!std::isfinite(number)) {
    out_ += "null";
    return Step::kWritten;
  }
  if (number == std::floor(number) && std::fabs(number) < 1e15) {
    char digits[32];
    std::snprintf(digits, sizeof digits, "%lld", static_cast<long long>(number));
    out_ += digits;
    return Step::kWritten;
  }
  // JavaScript's shortest round-trip form (for example 0.30000000000000004 or 1e+21), which is valid JSON.
  v8::Local<v8::String> text;
  if (!v8::Number::New(isolate_, number)->ToString(context_).ToLocal(&text)) return Step::kFail;
  out_ += ToUtf8(isolate_, text);
  return Step::kWritten;
}

std::string JsonWriter::Describe(v8::Local<v8::Object> object) const {
  // "Name: message", read defensively: the properties may be getters that throw.
  v8::TryCatch try_catch(isolate_);
  auto read = [&](const char* name, const char* fallback) -> std::string {
    v8::Local<v8::Value> value;
    if (!object->Get(context_, Literal(isolate_, name)).ToLocal(&value) || value->IsUndefined()) return fallback;
    v8::Local<v8::String> text;
    if (value->IsSymbol() || !value->ToString(context_).ToLocal(&text)) return fallback;
    return ToUtf8(isolate_, text, 10000);
  };
  std::string name = read("name", "Error");
  std::string message = read("message", "");
  return message.empty() ? name : name + ": " + message;
}

bool JsonWriter::WriteDisplayTop(v8::Local<v8::Value> value) {
  if (value->IsString()) {
    v8::Local<v8::String> text = value.As<v8::String>();
    size_t length = static_cast<size_t>(text->Length());
    out_ = ToUtf8(isolate_, text, max_chars_);
    if (length > max_chars_) truncated_ = true;
    return true;
  }
  if (value->IsUndefined()) {
    out_ = "undefined";
    return true;
  }
  if (value->IsSymbol()) {
    v8::Local<v8::Value> description = value.As<v8::Symbol>()->Description(isolate_);
    out_ = "Symbol(";
    if (description->IsString()) out_ += ToUtf8(isolate_, description.As<v8::String>(), max_chars_);
    out_ += ")";
    return true;
  }
  if (value->IsFunction()) {
    v8::Local<v8::Value> name = value.As<v8::Function>()->GetName();
    std::string text = name->IsString() ? ToUtf8(isolate_, name.As<v8::String>(), 200) : std::string();
    out_ = text.empty() ? "[Function (anonymous)]" : "[Function: " + text + "]";
    return true;
  }
  if (value->IsNativeError()) {
    out_ = Describe(value.As<v8::Object>());
    return !isolate_->IsExecutionTerminating();
  }
  if (value->IsBigInt()) {
    v8::Local<v8::String> digits;
    if (!value->ToString(context_).ToLocal(&digits)) return false;
    out_ = ToUtf8(isolate_, digits) + "n";
    return true;
  }
  if (!value->IsObject()) {  // null, booleans, numbers: as String(value) prints them (NaN, Infinity, -0 as 0)
    v8::Local<v8::String> text;
    if (!value->ToString(context_).ToLocal(&text)) return false;
    out_ = ToUtf8(isolate_, text);
    return true;
  }
  Step step = WriteValue(value, v8::String::Empty(isolate_), 0);
  if (step == Step::kFail) return false;
  if (step == Step::kSkip) out_ = "undefined";
  return true;
}

std::string JsonWriter::Path() const {
  std::string path = "$";
  for (const auto& segment : path_) path += segment;
  return path;
}

}  // namespace codeact
