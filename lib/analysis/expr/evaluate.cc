#include "analysis/expr/evaluate.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "analysis/expr/ast.h"
#include "analysis/expr/builtins.h"
#include "analysis/expr/diagnostic.h"
#include "analysis/expr/parser.h"
#include "analysis/expr/value.h"

namespace gitopsd::analysis::expr {

namespace {

using json = nlohmann::json;

// A value that is either borrowed (from the environment, a literal of the tree or an element
// an enclosing closure iterates over, all of which outlive it) or owned.
class Value {
 public:
  static Value borrow(const json& value) {
    Value v;
    v.ref_ = &value;
    return v;
  }
  static Value own(json value) {
    Value v;
    v.own_ = std::move(value);
    return v;
  }
  const json& get() const { return ref_ ? *ref_ : own_; }
  bool borrowed() const { return ref_ != nullptr; }
  json take() && { return ref_ ? *ref_ : std::move(own_); }
  json& owned() { return own_; }

 private:
  const json* ref_ = nullptr;
  json own_;
};

using Maybe = std::optional<Value>;

std::int64_t wrapAdd(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}
std::int64_t wrapSub(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - static_cast<std::uint64_t>(b));
}
std::int64_t wrapMul(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) * static_cast<std::uint64_t>(b));
}

class Evaluator {
 public:
  Evaluator(std::string_view source, const json& env, const Limits& limits)
      : src_(source), env_(env), limits_(limits) {}

  Maybe eval(const Node& node) {
    if (!step(node)) return std::nullopt;
    switch (node.kind) {
      case NodeKind::kLiteral:
        return Value::borrow(node.literal);
      case NodeKind::kName: {
        if (env_.is_object()) {
          auto it = env_.find(node.name);
          if (it != env_.end()) return Value::borrow(*it);
        }
        return fail(node.offset, "unknown name " + node.name);
      }
      case NodeKind::kElement:
        if (elements_.empty()) return fail(node.offset, "# outside a predicate");
        return Value::borrow(*elements_.back());
      case NodeKind::kMember:
      case NodeKind::kIndex:
      case NodeKind::kSlice: {
        bool nil_chain = false;
        return chain(node, nil_chain);
      }
      case NodeKind::kUnary:
        return unary(node);
      case NodeKind::kBinary:
        return binary(node);
      case NodeKind::kTernary: {
        auto cond = eval(*node.kids[0]);
        if (!cond) return std::nullopt;
        if (!cond->get().is_boolean()) {
          return fail(node.offset, "invalid operation: ternary condition must be bool, got " +
                                       std::string(typeName(cond->get())));
        }
        return eval(*node.kids[cond->get().get<bool>() ? 1 : 2]);
      }
      case NodeKind::kCall:
        return call(node);
      case NodeKind::kArray: {
        json items = json::array();
        for (const auto& kid : node.kids) {
          auto item = eval(*kid);
          if (!item) return std::nullopt;
          items.push_back(std::move(*item).take());
        }
        return Value::own(std::move(items));
      }
      case NodeKind::kMap: {
        json map = json::object();
        for (std::size_t i = 0; i + 1 < node.kids.size(); i += 2) {
          auto value = eval(*node.kids[i + 1]);
          if (!value) return std::nullopt;
          map[node.kids[i]->literal.get<std::string>()] = std::move(*value).take();
        }
        return Value::own(std::move(map));
      }
      case NodeKind::kClosure:
        return fail(node.offset, "a closure is only allowed as a predicate");
    }
    return fail(node.offset, "unknown expression");
  }

  const core::Status& error() const { return error_; }

 private:
  std::nullopt_t fail(std::size_t offset, std::string_view message) {
    if (error_.ok()) error_ = errorAt(src_, offset, message);
    return std::nullopt;
  }

  bool charge(const Node& node, std::int64_t steps) {
    steps_ += steps;
    if (steps_ <= limits_.max_steps) return true;
    fail(node.offset,
         "evaluation exceeded its budget of " + std::to_string(limits_.max_steps) + " steps");
    return false;
  }
  bool step(const Node& node) { return charge(node, 1); }

  // Member, index and slice chains; an optional access on nil sets nil_chain, which makes the
  // rest of the chain nil.
  Maybe chain(const Node& node, bool& nil_chain) {
    if (node.kind != NodeKind::kMember && node.kind != NodeKind::kIndex &&
        node.kind != NodeKind::kSlice) {
      return eval(node);
    }
    if (!step(node)) return std::nullopt;
    auto base = chain(*node.kids[0], nil_chain);
    if (!base) return std::nullopt;
    if (nil_chain) return Value::own(nullptr);
    const json& b = base->get();
    if (b.is_null() && node.optional) {
      nil_chain = true;
      return Value::own(nullptr);
    }
    if (node.kind == NodeKind::kMember) {
      if (!b.is_object()) {
        return fail(node.offset, "cannot fetch " + node.name + " from " + std::string(typeName(b)));
      }
      auto it = b.find(node.name);
      if (it == b.end()) return Value::own(nullptr);
      return sub(*base, *it);
    }
    if (node.kind == NodeKind::kIndex) {
      auto index = eval(*node.kids[1]);
      if (!index) return std::nullopt;
      return indexOf(node, *base, index->get());
    }
    return slice(node, *base);
  }

  // A part of `base`: borrowed when base is, else moved out of it.
  static Value sub(Value& base, const json& part) {
    if (base.borrowed()) return Value::borrow(part);
    return Value::own(std::move(const_cast<json&>(part)));
  }

  Maybe indexOf(const Node& node, Value& base, const json& index) {
    const json& b = base.get();
    if (b.is_object()) {
      if (!index.is_string()) {
        return fail(node.offset, "cannot use " + std::string(typeName(index)) + " as a map key");
      }
      auto it = b.find(index.get<std::string>());
      if (it == b.end()) return Value::own(nullptr);
      return sub(base, *it);
    }
    if (!b.is_array() && !b.is_string()) {
      return fail(node.offset, "cannot index " + std::string(typeName(b)));
    }
    if (!isInt(index)) {
      return fail(node.offset, "index must be an int, got " + std::string(typeName(index)));
    }
    std::int64_t size = b.is_array()
                            ? static_cast<std::int64_t>(b.size())
                            : static_cast<std::int64_t>(b.get_ref<const std::string&>().size());
    std::int64_t i = intOf(index);
    std::int64_t at = i < 0 ? wrapAdd(i, size) : i;
    if (at < 0 || at >= size) {
      return fail(node.offset, "index out of range: " + std::to_string(i) + " (" +
                                   (b.is_array() ? "array" : "string") + " length is " +
                                   std::to_string(size) + ")");
    }
    if (b.is_string()) {
      return Value::own(
          std::string(1, b.get_ref<const std::string&>()[static_cast<std::size_t>(at)]));
    }
    return sub(base, b[static_cast<std::size_t>(at)]);
  }

  Maybe slice(const Node& node, Value& base) {
    const json& b = base.get();
    if (!b.is_array() && !b.is_string()) {
      return fail(node.offset, "cannot slice " + std::string(typeName(b)));
    }
    std::int64_t size = b.is_array()
                            ? static_cast<std::int64_t>(b.size())
                            : static_cast<std::int64_t>(b.get_ref<const std::string&>().size());
    std::int64_t bounds[2] = {0, size};
    for (int k = 0; k < 2; ++k) {
      const Node* bound = node.kids[static_cast<std::size_t>(k) + 1].get();
      if (bound == nullptr) continue;
      auto v = eval(*bound);
      if (!v) return std::nullopt;
      if (!isInt(v->get())) {
        return fail(bound->offset,
                    "slice index must be an int, got " + std::string(typeName(v->get())));
      }
      std::int64_t i = intOf(v->get());
      if (i < 0) i = wrapAdd(i, size);
      bounds[k] = std::clamp<std::int64_t>(i, 0, size);
    }
    if (bounds[0] > bounds[1]) bounds[0] = bounds[1];
    auto from = static_cast<std::size_t>(bounds[0]);
    auto to = static_cast<std::size_t>(bounds[1]);
    if (b.is_string()) return Value::own(b.get_ref<const std::string&>().substr(from, to - from));
    if (!charge(node, bounds[1] - bounds[0])) return std::nullopt;
    return Value::own(json(b.begin() + static_cast<std::ptrdiff_t>(from),
                           b.begin() + static_cast<std::ptrdiff_t>(to)));
  }

  Maybe unary(const Node& node) {
    auto operand = eval(*node.kids[0]);
    if (!operand) return std::nullopt;
    const json& v = operand->get();
    if (node.op == Op::kNot) {
      if (!v.is_boolean()) {
        return fail(node.offset,
                    "invalid operation: ! (mismatched type " + std::string(typeName(v)) + ")");
      }
      return Value::own(!v.get<bool>());
    }
    if (!v.is_number()) {
      return fail(node.offset, "invalid operation: " + std::string(opText(node.op)) +
                                   " (mismatched type " + std::string(typeName(v)) + ")");
    }
    if (node.op == Op::kPlus) return operand;
    if (isInt(v)) return Value::own(wrapSub(0, intOf(v)));
    return Value::own(-floatOf(v));
  }

  Maybe requireBool(const Node& node, Value value) {
    if (!value.get().is_boolean()) {
      return fail(node.offset, "invalid operation: " + std::string(opText(node.op)) +
                                   " (expected bool, got " + std::string(typeName(value.get())) +
                                   ")");
    }
    return value;
  }

  Maybe binary(const Node& node) {
    if (node.op == Op::kAnd || node.op == Op::kOr) {
      auto left = eval(*node.kids[0]);
      if (!left || !(left = requireBool(node, std::move(*left)))) return std::nullopt;
      bool l = left->get().get<bool>();
      if (node.op == Op::kAnd ? !l : l) return Value::own(l);
      auto right = eval(*node.kids[1]);
      if (!right || !(right = requireBool(node, std::move(*right)))) return std::nullopt;
      return Value::own(right->get().get<bool>());
    }
    auto left = eval(*node.kids[0]);
    if (!left) return std::nullopt;
    if (node.op == Op::kCoalesce) {
      if (!left->get().is_null()) return left;
      return eval(*node.kids[1]);
    }
    auto right = eval(*node.kids[1]);
    if (!right) return std::nullopt;
    return apply(node, *left, *right);
  }

  Maybe apply(const Node& node, Value& left, Value& right) {
    const json& a = left.get();
    const json& b = right.get();
    auto mismatched = [&]() { return fail(node.offset, mismatch(opText(node.op), a, b)); };
    bool ints = isInt(a) && isInt(b);
    bool numbers = a.is_number() && b.is_number();
    switch (node.op) {
      case Op::kEq:
        return Value::own(valuesEqual(a, b));
      case Op::kNe:
        return Value::own(!valuesEqual(a, b));
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        std::string error;
        auto c = compareValues(a, b, opText(node.op), &error);
        if (!error.empty()) return fail(node.offset, error);
        if (!c) return Value::own(false);  // NaN
        bool r = node.op == Op::kLt   ? *c < 0
                 : node.op == Op::kLe ? *c <= 0
                 : node.op == Op::kGt ? *c > 0
                                      : *c >= 0;
        return Value::own(r);
      }
      case Op::kAdd:
        if (ints) return Value::own(wrapAdd(intOf(a), intOf(b)));
        if (numbers) return Value::own(floatOf(a) + floatOf(b));
        if (a.is_string() && b.is_string()) {
          return Value::own(a.get_ref<const std::string&>() + b.get_ref<const std::string&>());
        }
        if (a.is_array() && b.is_array()) {
          if (!charge(node, static_cast<std::int64_t>(a.size() + b.size()))) return std::nullopt;
          json joined = std::move(left).take();
          for (const auto& item : b) joined.push_back(item);
          return Value::own(std::move(joined));
        }
        return mismatched();
      case Op::kSub:
        if (ints) return Value::own(wrapSub(intOf(a), intOf(b)));
        if (numbers) return Value::own(floatOf(a) - floatOf(b));
        return mismatched();
      case Op::kMul:
        if (ints) return Value::own(wrapMul(intOf(a), intOf(b)));
        if (numbers) return Value::own(floatOf(a) * floatOf(b));
        return mismatched();
      case Op::kDiv:
        if (numbers) return Value::own(floatOf(a) / floatOf(b));
        return mismatched();
      case Op::kMod:
        if (!ints) return mismatched();
        if (intOf(b) == 0) return fail(node.offset, "integer divide by zero");
        if (intOf(b) == -1) return Value::own(std::int64_t{0});
        return Value::own(intOf(a) % intOf(b));
      case Op::kPow:
        if (numbers) return Value::own(std::pow(floatOf(a), floatOf(b)));
        return mismatched();
      case Op::kIn:
      case Op::kNotIn: {
        bool found = false;
        if (b.is_array()) {
          for (const auto& item : b) {
            if (!step(node)) return std::nullopt;
            if (valuesEqual(a, item)) {
              found = true;
              break;
            }
          }
        } else if (b.is_object()) {
          if (!a.is_string()) {
            return fail(node.offset, "cannot use " + std::string(typeName(a)) + " as a map key");
          }
          found = b.contains(a.get<std::string>());
        } else if (!b.is_null()) {
          return mismatched();
        }
        return Value::own(node.op == Op::kIn ? found : !found);
      }
      case Op::kMatches: {
        if (!a.is_string() || !b.is_string()) return mismatched();
        const std::string& text = a.get_ref<const std::string&>();
        if (node.regex) return Value::own(node.regex->search(text));
        auto regex = Regex::compile(b.get_ref<const std::string&>());
        if (!regex.ok()) return fail(node.kids[1]->offset, regex.status().message());
        return Value::own(regex->search(text));
      }
      case Op::kContains:
      case Op::kStartsWith:
      case Op::kEndsWith: {
        if (!a.is_string() || !b.is_string()) return mismatched();
        std::string_view s = a.get_ref<const std::string&>();
        std::string_view t = b.get_ref<const std::string&>();
        bool r = node.op == Op::kContains     ? s.find(t) != std::string_view::npos
                 : node.op == Op::kStartsWith ? s.starts_with(t)
                                              : s.ends_with(t);
        return Value::own(r);
      }
      case Op::kRange: {
        if (!ints) return mismatched();
        std::int64_t from = intOf(a), to = intOf(b);
        json items = json::array();
        if (from <= to) {
          std::uint64_t count = static_cast<std::uint64_t>(to) - static_cast<std::uint64_t>(from);
          if (count >= static_cast<std::uint64_t>(limits_.max_steps)) {
            steps_ = limits_.max_steps;
            charge(node, 1);
            return std::nullopt;
          }
          if (!charge(node, static_cast<std::int64_t>(count) + 1)) return std::nullopt;
          for (std::int64_t i = from;; ++i) {
            items.push_back(i);
            if (i == to) break;
          }
        }
        return Value::own(std::move(items));
      }
      default:
        return fail(node.offset, "unknown operator");
    }
  }

  Maybe call(const Node& node) {
    auto info = findBuiltin(node.name);
    if (info && info->predicate) return predicate(node);
    std::vector<json> args;
    args.reserve(node.kids.size());
    for (const auto& kid : node.kids) {
      auto arg = eval(*kid);
      if (!arg) return std::nullopt;
      args.push_back(std::move(*arg).take());
    }
    auto result = callBuiltin(node.builtin, args);
    if (!result.ok()) return fail(node.offset, result.status().message());
    return Value::own(std::move(result).value());
  }

  Maybe predicate(const Node& node) {
    auto input = eval(*node.kids[0]);
    if (!input) return std::nullopt;
    const json& items = input->get();
    if (!items.is_array()) {
      return fail(node.offset,
                  node.name + "(): expected an array, got " + std::string(typeName(items)));
    }
    const Builtin id = node.builtin;
    const Node* body = node.kids.size() > 1 ? node.kids[1]->kids[0].get() : nullptr;
    json collected = json::array();
    std::int64_t matched = 0;
    for (const auto& item : items) {
      if (!step(node)) return std::nullopt;
      Maybe result;
      if (body != nullptr) {
        elements_.push_back(&item);
        result = eval(*body);
        elements_.pop_back();
      } else {
        result = Value::borrow(item);
      }
      if (!result) return std::nullopt;
      if (id == Builtin::kMap) {
        collected.push_back(std::move(*result).take());
        continue;
      }
      const json& r = result->get();
      if (!r.is_boolean()) {
        return fail(
            body ? body->offset : node.offset,
            node.name + "(): the predicate must return bool, got " + std::string(typeName(r)));
      }
      bool yes = r.get<bool>();
      if (id == Builtin::kAll && !yes) return Value::own(false);
      if (id == Builtin::kAny && yes) return Value::own(true);
      if (id == Builtin::kNone && yes) return Value::own(false);
      if (yes) {
        ++matched;
        if (id == Builtin::kFilter) collected.push_back(item);
        if (id == Builtin::kOne && matched > 1) return Value::own(false);
      }
    }
    switch (id) {
      case Builtin::kAll:
        return Value::own(true);
      case Builtin::kAny:
        return Value::own(false);
      case Builtin::kNone:
        return Value::own(true);
      case Builtin::kOne:
        return Value::own(matched == 1);
      case Builtin::kCount:
        return Value::own(matched);
      default:
        return Value::own(std::move(collected));
    }
  }

  std::string_view src_;
  const json& env_;
  const Limits& limits_;
  std::int64_t steps_ = 0;
  std::vector<const json*> elements_;
  core::Status error_;
};

}  // namespace

Program::Program(std::string source, std::unique_ptr<Node> root)
    : source_(std::move(source)), root_(std::move(root)) {}
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;
Program::~Program() = default;

core::Result<Program> compile(std::string_view source, const Limits& limits) {
  if (source.size() > limits.max_source_bytes) {
    return core::invalidError("expression is " + std::to_string(source.size()) +
                              " bytes, over the limit of " +
                              std::to_string(limits.max_source_bytes));
  }
  auto root = parse(source, limits.max_depth);
  if (!root.ok()) return root.status();
  return Program(std::string(source), std::move(root).value());
}

core::Result<nlohmann::json> evaluate(const Program& program, const nlohmann::json& env,
                                      const Limits& limits) {
  Evaluator evaluator(program.source_, env, limits);
  auto value = evaluator.eval(*program.root_);
  if (!value) return evaluator.error();
  return std::move(*value).take();
}

core::Result<bool> evaluateCondition(std::string_view source, const nlohmann::json& env,
                                     const Limits& limits) {
  auto program = compile(source, limits);
  if (!program.ok()) return program.status();
  auto value = evaluate(*program, env, limits);
  if (!value.ok()) return value.status();
  if (!value->is_boolean()) {
    return errorAt(source, 0, "expected bool, got " + std::string(typeName(*value)));
  }
  return value->get<bool>();
}

}  // namespace gitopsd::analysis::expr
