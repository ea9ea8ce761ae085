// JavaScript run once in every new context, before any user code, to guard built-ins that V8 10.2 runs without
// checking for termination, or that abort the whole process on inputs of 2^27 elements or more ("Fatal
// JavaScript invalid size error"): generic array methods over array-likes with a huge `length`, and string
// methods that turn a huge string into an array. The guards refuse such inputs with a RangeError the code can
// catch; ordinary inputs pass straight through to the original built-in. Everything the guards use is captured
// here, so code that later replaces globals or prototype methods cannot switch them off.
#ifndef CODEACT_V8_SANDBOX_PRELUDE_H
#define CODEACT_V8_SANDBOX_PRELUDE_H

namespace codeact {

constexpr const char* kSandboxPrelude = R"JS(
(function () {
  'use strict';
  const MAX = 67108864; // 2 ** 26: half of V8's largest array, a second or so of uninterruptible work
  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const floor = Math.floor;
  const isArray = Array.isArray;
  const RangeErrorCtor = RangeError;
  const spreadable = Symbol.isConcatSpreadable;
  const iterator = Symbol.iterator;

  function grouped(n) {
    const digits = '' + (n >= 0 && n < 1e21 ? floor(n) : n);
    if (!(n >= 1000 && n < 1e21)) return digits;
    let out = '';
    for (let i = 0; i < digits.length; i++) {
      if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
      out += digits[i];
    }
    return out;
  }

  function checkElements(what, target) {
    if (target === null || target === undefined) return;
    const length = typeof target === 'string' ? target.length : +target.length;
    if (length > MAX) {
      throw new RangeErrorCtor(what + ': ' + grouped(length) + ' elements are more than a built-in function may ' +
        'process at once in this sandbox (' + grouped(MAX) + '). Work on smaller pieces of data.');
    }
  }

  function checkText(what, text) {
    if (text.length > MAX) {
      throw new RangeErrorCtor(what + ': a string of ' + grouped(text.length) + ' characters is more than a ' +
        'built-in function may process at once in this sandbox (' + grouped(MAX) + '). Work on smaller pieces of text.');
    }
  }

  function toText(value) {
    return typeof value === 'string' ? value : `${value}`;
  }

  function install(owner, key, wrapped, original) {
    defineProperty(wrapped, 'length', { value: original.length });
    defineProperty(owner, key, { value: wrapped, writable: true, enumerable: false, configurable: true });
  }

  const ArrayPrototype = Array.prototype;
  const arrayMethods = ['copyWithin', 'every', 'fill', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex',
    'flat', 'flatMap', 'forEach', 'includes', 'indexOf', 'join', 'lastIndexOf', 'map', 'reduce', 'reduceRight',
    'reverse', 'shift', 'slice', 'some', 'sort', 'splice', 'toLocaleString', 'unshift'];
  for (let i = 0; i < arrayMethods.length; i++) {
    const key = arrayMethods[i];
    const original = ArrayPrototype[key];
    if (typeof original !== 'function') continue;
    const label = 'Array.prototype.' + key;
    install(ArrayPrototype, key, {
      [key]() {
        checkElements(label, this);
        return apply(original, this, arguments);
      }
    }[key], original);
  }

  const concat = ArrayPrototype.concat;
  install(ArrayPrototype, 'concat', {
    concat() {
      for (let i = -1; i < arguments.length; i++) {
        const item = i < 0 ? this : arguments[i];
        if (item !== null && typeof item === 'object' && (isArray(item) || item[spreadable])) {
          checkElements('Array.prototype.concat', item);
        }
      }
      return apply(concat, this, arguments);
    }
  }.concat, concat);

  const from = Array.from;
  install(Array, 'from', {
    from(items) {
      if (typeof items === 'string') {
        checkText('Array.from', items);
      } else if (items !== null && items !== undefined && items[iterator] == null) {
        checkElements('Array.from', items);
      }
      return apply(from, this, arguments);
    }
  }.from, from);

  const StringPrototype = String.prototype;
  const stringMethods = ['split', 'match', 'matchAll', 'replace', 'replaceAll'];
  for (let i = 0; i < stringMethods.length; i++) {
    const key = stringMethods[i];
    const original = StringPrototype[key];
    if (typeof original !== 'function') continue;
    const label = 'String.prototype.' + key;
    install(StringPrototype, key, {
      [key]() {
        if (this === null || this === undefined) return apply(original, this, arguments);
        const text = toText(this);
        checkText(label, text);
        return apply(original, text, arguments);
      }
    }[key], original);
  }

  // The same methods reached through a RegExp directly, for example /x/g[Symbol.match](text).
  const RegExpPrototype = RegExp.prototype;
  const regexpMethods = [[Symbol.split, 'split'], [Symbol.match, 'match'], [Symbol.matchAll, 'matchAll'],
    [Symbol.replace, 'replace']];
  for (let i = 0; i < regexpMethods.length; i++) {
    const key = regexpMethods[i][0];
    const original = RegExpPrototype[key];
    if (typeof original !== 'function') continue;
    const label = 'RegExp.prototype[Symbol.' + regexpMethods[i][1] + ']';
    install(RegExpPrototype, key, {
      [key](value) {
        const text = toText(value);
        checkText(label, text);
        return apply(original, this, arguments.length > 1 ? [text, arguments[1]] : [text]);
      }
    }[key], original);
  }

  // A JSON text of 2^28 characters can hold an array that V8 cannot allocate (an abort, not an exception).
  const JSONObject = JSON;
  const parse = JSONObject.parse;
  install(JSONObject, 'parse', {
    parse(text) {
      const source = toText(text);
      checkText('JSON.parse', source);
      return apply(parse, JSONObject, arguments.length > 1 ? [source, arguments[1]] : [source]);
    }
  }.parse, parse);

  const assign = Object.assign;
  install(Object, 'assign', {
    assign() {
      for (let i = 1; i < arguments.length; i++) {
        if (typeof arguments[i] === 'string') checkText('Object.assign', arguments[i]);
      }
      return apply(assign, this, arguments);
    }
  }.assign, assign);

  const objectMethods = ['keys', 'values', 'entries', 'getOwnPropertyNames'];
  for (let i = 0; i < objectMethods.length; i++) {
    const key = objectMethods[i];
    const original = Object[key];
    const label = 'Object.' + key;
    install(Object, key, {
      [key](target) {
        if (typeof target === 'string') checkText(label, target);
        return apply(original, this, arguments);
      }
    }[key], original);
  }
})();
)JS";

}  // namespace codeact

#endif
