#include "analysis/expr/parser.h"

#include <algorithm>
#include <utility>

#include "analysis/expr/diagnostic.h"
#include "analysis/expr/lexer.h"

namespace gitopsd::analysis::expr {

namespace {

using NodePtr = std::unique_ptr<Node>;

constexpr int kPrecNot = 50;
constexpr int kPrecSign = 90;

struct BinaryOp {
  Op op = Op::kNone;
  int precedence = 0;
  bool right_assoc = false;
  int tokens = 1;
  bool negated = false;  // `not matches` and friends: the result is negated
};

class Parser {
 public:
  Parser(std::string_view source, std::vector<Token> tokens, int max_depth)
      : src_(source), tokens_(std::move(tokens)), max_depth_(max_depth) {}

  core::Result<NodePtr> run() {
    NodePtr root = conditional();
    if (root && peek().kind != TokenKind::kEnd) root = unexpected();
    if (!root) return error_;
    return root;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  void advance(std::size_t n = 1) { pos_ = std::min(pos_ + n, tokens_.size() - 1); }
  bool isPunct(std::string_view p, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == TokenKind::kPunct && t.text == p;
  }
  bool isName(std::string_view n, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return t.kind == TokenKind::kName && t.text == n;
  }

  NodePtr fail(std::size_t offset, std::string_view message) {
    if (error_.ok()) error_ = errorAt(src_, offset, message);
    return nullptr;
  }
  NodePtr unexpected() {
    const Token& t = peek();
    if (t.kind == TokenKind::kEnd) return fail(t.offset, "unexpected end of expression");
    std::string shown = t.kind == TokenKind::kString ? "string" : "\"" + t.text + "\"";
    return fail(t.offset, "unexpected token " + shown);
  }
  bool expect(std::string_view p) {
    if (isPunct(p)) {
      advance();
      return true;
    }
    const Token& t = peek();
    std::string found = t.kind == TokenKind::kEnd ? "end of expression" : "\"" + t.text + "\"";
    fail(t.offset, "expected \"" + std::string(p) + "\", found " + found);
    return false;
  }

  NodePtr make(NodeKind kind, std::size_t offset, std::vector<NodePtr> kids = {}) {
    auto node = std::make_unique<Node>();
    node->kind = kind;
    node->offset = offset;
    for (const auto& kid : kids) {
      if (kid) node->height = std::max(node->height, kid->height + 1);
    }
    node->kids = std::move(kids);
    if (node->height > max_depth_) return fail(offset, "expression nested too deeply");
    return node;
  }

  template <typename... Kids>
  NodePtr makeOp(NodeKind kind, Op op, std::size_t offset, Kids&&... kids) {
    std::vector<NodePtr> list;
    (list.push_back(std::forward<Kids>(kids)), ...);
    NodePtr node = make(kind, offset, std::move(list));
    if (node) node->op = op;
    return node;
  }

  // Counts the parser's own recursion; every cycle of it passes through unary().
  struct DepthGuard {
    explicit DepthGuard(int& d) : depth(d) { ++depth; }
    ~DepthGuard() { --depth; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    int& depth;
  };

  NodePtr conditional() {
    NodePtr cond = binary(0);
    if (!cond || !isPunct("?")) return cond;
    std::size_t offset = peek().offset;
    advance();
    NodePtr yes = conditional();
    if (!yes || !expect(":")) return nullptr;
    NodePtr no = conditional();
    if (!no) return nullptr;
    return makeOp(NodeKind::kTernary, Op::kNone, offset, std::move(cond), std::move(yes),
                  std::move(no));
  }

  std::optional<BinaryOp> peekBinary() const {
    const Token& t = peek();
    if (t.kind == TokenKind::kPunct) {
      static const std::pair<std::string_view, BinaryOp> kTable[] = {
          {"||", {Op::kOr, 10}},        {"&&", {Op::kAnd, 15}},       {"==", {Op::kEq, 20}},
          {"!=", {Op::kNe, 20}},        {"<", {Op::kLt, 20}},         {"<=", {Op::kLe, 20}},
          {">", {Op::kGt, 20}},         {">=", {Op::kGe, 20}},        {"..", {Op::kRange, 25}},
          {"+", {Op::kAdd, 30}},        {"-", {Op::kSub, 30}},        {"*", {Op::kMul, 60}},
          {"/", {Op::kDiv, 60}},        {"%", {Op::kMod, 60}},        {"**", {Op::kPow, 100, true}},
          {"^", {Op::kPow, 100, true}}, {"??", {Op::kCoalesce, 500}},
      };
      for (const auto& [text, op] : kTable) {
        if (t.text == text) return op;
      }
      return std::nullopt;
    }
    if (t.kind != TokenKind::kName) return std::nullopt;
    auto word = [](std::string_view w) -> std::optional<BinaryOp> {
      if (w == "or") return BinaryOp{Op::kOr, 10};
      if (w == "and") return BinaryOp{Op::kAnd, 15};
      if (w == "in") return BinaryOp{Op::kIn, 20};
      if (w == "matches") return BinaryOp{Op::kMatches, 20};
      if (w == "contains") return BinaryOp{Op::kContains, 20};
      if (w == "startsWith") return BinaryOp{Op::kStartsWith, 20};
      if (w == "endsWith") return BinaryOp{Op::kEndsWith, 20};
      return std::nullopt;
    };
    if (t.text == "not") {
      const Token& next = peek(1);
      if (next.kind != TokenKind::kName) return std::nullopt;
      auto op = word(next.text);
      if (!op || op->precedence != 20) return std::nullopt;
      op->tokens = 2;
      if (op->op == Op::kIn) {
        op->op = Op::kNotIn;
      } else {
        op->negated = true;
      }
      return op;
    }
    return word(t.text);
  }

  NodePtr binary(int min_precedence) {
    NodePtr left = unary();
    while (left) {
      auto op = peekBinary();
      if (!op || op->precedence < min_precedence) break;
      std::size_t offset = peek().offset;
      advance(static_cast<std::size_t>(op->tokens));
      NodePtr right = binary(op->right_assoc ? op->precedence : op->precedence + 1);
      if (!right) return nullptr;
      left = makeOp(NodeKind::kBinary, op->op, offset, std::move(left), std::move(right));
      if (left && op->op == Op::kMatches && !compileLiteralPattern(*left)) return nullptr;
      if (left && op->negated) left = makeOp(NodeKind::kUnary, Op::kNot, offset, std::move(left));
    }
    return left;
  }

  bool compileLiteralPattern(Node& node) {
    const Node& pattern = *node.kids[1];
    if (pattern.kind != NodeKind::kLiteral || !pattern.literal.is_string()) return true;
    auto regex = Regex::compile(pattern.literal.get_ref<const std::string&>());
    if (!regex.ok()) {
      fail(pattern.offset, regex.status().message());
      return false;
    }
    node.regex = std::make_unique<Regex>(std::move(regex).value());
    return true;
  }

  NodePtr unary() {
    DepthGuard guard(depth_);
    if (depth_ > max_depth_) return fail(peek().offset, "expression nested too deeply");
    const Token& t = peek();
    std::size_t offset = t.offset;
    if (isPunct("!") || isName("not")) {
      advance();
      NodePtr operand = binary(kPrecNot);
      if (!operand) return nullptr;
      return makeOp(NodeKind::kUnary, Op::kNot, offset, std::move(operand));
    }
    if (isPunct("-") || isPunct("+")) {
      Op op = isPunct("-") ? Op::kNegate : Op::kPlus;
      advance();
      NodePtr operand = binary(kPrecSign);
      if (!operand) return nullptr;
      return makeOp(NodeKind::kUnary, op, offset, std::move(operand));
    }
    NodePtr node = primary();
    return node ? postfix(std::move(node)) : nullptr;
  }

  NodePtr literal(std::size_t offset, nlohmann::json value) {
    NodePtr node = make(NodeKind::kLiteral, offset);
    if (node) node->literal = std::move(value);
    return node;
  }

  NodePtr primary() {
    const Token& t = peek();
    std::size_t offset = t.offset;
    switch (t.kind) {
      case TokenKind::kInt: {
        std::int64_t v = t.int_value;
        advance();
        return literal(offset, v);
      }
      case TokenKind::kFloat: {
        double v = t.float_value;
        advance();
        return literal(offset, v);
      }
      case TokenKind::kString: {
        std::string v = t.text;
        advance();
        return literal(offset, std::move(v));
      }
      case TokenKind::kName:
        return nameOrCall();
      case TokenKind::kEnd:
        return unexpected();
      case TokenKind::kPunct:
        break;
    }
    if (isPunct("(")) {
      advance();
      NodePtr inner = conditional();
      if (!inner || !expect(")")) return nullptr;
      return inner;
    }
    if (isPunct("[")) return arrayLiteral();
    if (isPunct("{")) return mapLiteral();
    if (isPunct("#") || isPunct(".")) {
      if (closure_depth_ == 0) {
        return fail(offset, "\"" + t.text + "\" is only allowed inside a predicate closure");
      }
      bool member = isPunct(".");
      advance();
      NodePtr element = make(NodeKind::kElement, offset);
      if (!member) return element;
      if (peek().kind != TokenKind::kName) return unexpected();
      NodePtr node = makeOp(NodeKind::kMember, Op::kNone, offset, std::move(element));
      if (node) node->name = peek().text;
      advance();
      return node;
    }
    return unexpected();
  }

  NodePtr nameOrCall() {
    const Token& t = peek();
    std::size_t offset = t.offset;
    std::string name = t.text;
    if (name == "true" || name == "false") {
      advance();
      return literal(offset, name == "true");
    }
    if (name == "nil") {
      advance();
      return literal(offset, nullptr);
    }
    static constexpr std::string_view kReserved[] = {
        "and", "or", "in", "matches", "contains", "startsWith", "endsWith", "let", "not"};
    if (std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved)) {
      return unexpected();
    }
    advance();
    if (!isPunct("(")) {
      NodePtr node = make(NodeKind::kName, offset);
      if (node) node->name = std::move(name);
      return node;
    }
    auto info = findBuiltin(name);
    if (!info) return fail(offset, "unknown function " + name);
    advance();
    std::vector<NodePtr> args;
    while (!isPunct(")")) {
      bool closure = info->predicate && args.size() == 1;
      NodePtr arg = closure ? closureArg() : conditional();
      if (!arg) return nullptr;
      args.push_back(std::move(arg));
      if (!isPunct(",")) break;
      advance();
    }
    if (!expect(")")) return nullptr;
    int count = static_cast<int>(args.size());
    if (count < info->min_args) return fail(offset, "not enough arguments to call " + name);
    if (info->max_args >= 0 && count > info->max_args) {
      return fail(offset, "too many arguments to call " + name);
    }
    NodePtr node = make(NodeKind::kCall, offset, std::move(args));
    if (node) {
      node->builtin = info->id;
      node->name = std::move(name);
    }
    return node;
  }

  NodePtr closureArg() {
    std::size_t offset = peek().offset;
    bool braced = isPunct("{");
    if (braced) advance();
    ++closure_depth_;
    NodePtr body = conditional();
    --closure_depth_;
    if (!body || (braced && !expect("}"))) return nullptr;
    return makeOp(NodeKind::kClosure, Op::kNone, offset, std::move(body));
  }

  NodePtr arrayLiteral() {
    std::size_t offset = peek().offset;
    advance();
    std::vector<NodePtr> items;
    while (!isPunct("]")) {
      NodePtr item = conditional();
      if (!item) return nullptr;
      items.push_back(std::move(item));
      if (!isPunct(",")) break;
      advance();
    }
    if (!expect("]")) return nullptr;
    return make(NodeKind::kArray, offset, std::move(items));
  }

  NodePtr mapLiteral() {
    std::size_t offset = peek().offset;
    advance();
    std::vector<NodePtr> items;
    while (!isPunct("}")) {
      const Token& key = peek();
      std::string text;
      if (key.kind == TokenKind::kName || key.kind == TokenKind::kString ||
          key.kind == TokenKind::kInt) {
        text = key.kind == TokenKind::kInt ? std::to_string(key.int_value) : key.text;
      } else {
        return unexpected();
      }
      NodePtr key_node = literal(key.offset, text);
      advance();
      if (!expect(":")) return nullptr;
      NodePtr value = conditional();
      if (!value) return nullptr;
      items.push_back(std::move(key_node));
      items.push_back(std::move(value));
      if (!isPunct(",")) break;
      advance();
    }
    if (!expect("}")) return nullptr;
    return make(NodeKind::kMap, offset, std::move(items));
  }

  NodePtr postfix(NodePtr node) {
    while (node) {
      std::size_t offset = peek().offset;
      if (isPunct(".") || (isPunct("?.") && peek(1).kind == TokenKind::kName)) {
        bool optional = isPunct("?.");
        advance();
        if (peek().kind != TokenKind::kName) return unexpected();
        std::string name = peek().text;
        advance();
        if (isPunct("(")) return fail(peek().offset, "method calls are not supported");
        node = makeOp(NodeKind::kMember, Op::kNone, offset, std::move(node));
        if (node) {
          node->name = std::move(name);
          node->optional = optional;
        }
      } else if (isPunct("[") || (isPunct("?.") && isPunct("[", 1))) {
        bool optional = isPunct("?.");
        advance(optional ? 2 : 1);
        node = indexOrSlice(std::move(node), offset, optional);
      } else if (isPunct("(")) {
        return fail(offset, "only builtin functions can be called");
      } else {
        break;
      }
    }
    return node;
  }

  NodePtr indexOrSlice(NodePtr base, std::size_t offset, bool optional) {
    NodePtr from;
    if (!isPunct(":")) {
      from = conditional();
      if (!from) return nullptr;
      if (isPunct("]")) {
        advance();
        NodePtr node =
            makeOp(NodeKind::kIndex, Op::kNone, offset, std::move(base), std::move(from));
        if (node) node->optional = optional;
        return node;
      }
    }
    if (!expect(":")) return nullptr;
    NodePtr to;
    if (!isPunct("]")) {
      to = conditional();
      if (!to) return nullptr;
    }
    if (!expect("]")) return nullptr;
    NodePtr node = makeOp(NodeKind::kSlice, Op::kNone, offset, std::move(base), std::move(from),
                          std::move(to));
    if (node) node->optional = optional;
    return node;
  }

  std::string_view src_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int max_depth_;
  int depth_ = 0;
  int closure_depth_ = 0;
  core::Status error_;
};

}  // namespace

std::string_view opText(Op op) {
  switch (op) {
    case Op::kNone:
      return "";
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kMod:
      return "%";
    case Op::kPow:
      return "**";
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kAnd:
      return "&&";
    case Op::kOr:
      return "||";
    case Op::kIn:
      return "in";
    case Op::kNotIn:
      return "not in";
    case Op::kMatches:
      return "matches";
    case Op::kContains:
      return "contains";
    case Op::kStartsWith:
      return "startsWith";
    case Op::kEndsWith:
      return "endsWith";
    case Op::kRange:
      return "..";
    case Op::kCoalesce:
      return "??";
    case Op::kNot:
      return "!";
    case Op::kNegate:
      return "-";
    case Op::kPlus:
      return "+";
  }
  return "";
}

core::Result<std::unique_ptr<Node>> parse(std::string_view source, int max_depth) {
  auto tokens = lex(source);
  if (!tokens.ok()) return tokens.status();
  return Parser(source, std::move(tokens).value(), max_depth).run();
}

}  // namespace gitopsd::analysis::expr
