#include "analysis/expr/lexer.h"

#include <array>
#include <charconv>
#include <system_error>

#include "analysis/expr/diagnostic.h"

namespace gitopsd::analysis::expr {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
}
bool isNameChar(char c) { return isNameStart(c) || isDigit(c); }

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void appendUtf8(std::string& out, std::uint32_t cp) {
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

// Longest first, so that "**" wins over "*" and "?." over "?".
constexpr std::array<std::string_view, 30> kPunctuation = {
    "?.", "??", "**", "==", "!=", "<=", ">=", "&&", "||", "..", "+", "-", "*", "/", "%",
    "^",  "<",  ">",  "!",  "?",  ":",  ".",  ",",  "(",  ")",  "[", "]", "{", "}", "#"};

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(source) {}

  core::Result<std::vector<Token>> run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < src_.size() &&
             (src_[pos_] == ' ' || src_[pos_] == '\t' || src_[pos_] == '\n' || src_[pos_] == '\r'))
        ++pos_;
      if (pos_ >= src_.size()) break;
      Token token;
      token.offset = pos_;
      char c = src_[pos_];
      core::Status status;
      if (isDigit(c)) {
        status = number(token);
      } else if (c == '"' || c == '\'') {
        status = quoted(token);
      } else if (c == '`') {
        status = raw(token);
      } else if (isNameStart(c)) {
        std::size_t start = pos_;
        while (pos_ < src_.size() && isNameChar(src_[pos_])) ++pos_;
        token.kind = TokenKind::kName;
        token.text = std::string(src_.substr(start, pos_ - start));
      } else {
        status = punct(token);
      }
      if (!status.ok()) return status;
      tokens.push_back(std::move(token));
    }
    Token end;
    end.offset = src_.size();
    tokens.push_back(std::move(end));
    return tokens;
  }

 private:
  core::Status fail(std::size_t at, std::string_view message) const {
    return errorAt(src_, at, message);
  }

  core::Status number(Token& token) {
    std::size_t start = pos_;
    int base = 10;
    if (src_[pos_] == '0' && pos_ + 1 < src_.size()) {
      char p = src_[pos_ + 1];
      if (p == 'x' || p == 'X') base = 16;
      if (p == 'o' || p == 'O') base = 8;
      if (p == 'b' || p == 'B') base = 2;
      if (base != 10) pos_ += 2;
    }
    std::string digits;
    bool is_float = false;
    auto takeDigits = [&](bool allow_hex) {
      while (pos_ < src_.size() && (isDigit(src_[pos_]) || src_[pos_] == '_' ||
                                    (allow_hex && hexValue(src_[pos_]) >= 0))) {
        if (src_[pos_] != '_') digits += src_[pos_];
        ++pos_;
      }
    };
    takeDigits(base == 16);
    if (base == 10) {
      if (pos_ + 1 < src_.size() && src_[pos_] == '.' && isDigit(src_[pos_ + 1])) {
        is_float = true;
        digits += src_[pos_++];
        takeDigits(false);
      }
      if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
        std::size_t save = pos_;
        std::string save_digits = digits;
        digits += src_[pos_++];
        if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) digits += src_[pos_++];
        if (pos_ < src_.size() && isDigit(src_[pos_])) {
          is_float = true;
          takeDigits(false);
        } else {
          pos_ = save;
          digits = save_digits;
        }
      }
    }
    if (pos_ < src_.size() && isNameChar(src_[pos_])) return fail(start, "invalid number literal");
    if (digits.empty()) return fail(start, "invalid number literal");
    const char* first = digits.data();
    const char* last = digits.data() + digits.size();
    if (is_float) {
      token.kind = TokenKind::kFloat;
      auto [ptr, ec] = std::from_chars(first, last, token.float_value);
      if (ec != std::errc() || ptr != last) return fail(start, "invalid float literal");
    } else {
      token.kind = TokenKind::kInt;
      auto [ptr, ec] = std::from_chars(first, last, token.int_value, base);
      if (ec == std::errc::result_out_of_range) {
        return fail(start, "integer literal out of range");
      }
      if (ec != std::errc() || ptr != last) return fail(start, "invalid number literal");
    }
    token.text = std::string(src_.substr(start, pos_ - start));
    return {};
  }

  core::Status quoted(Token& token) {
    char quote = src_[pos_];
    std::size_t start = pos_++;
    token.kind = TokenKind::kString;
    while (true) {
      if (pos_ >= src_.size() || src_[pos_] == '\n') {
        return fail(start, "literal not terminated");
      }
      char c = src_[pos_];
      if (c == quote) {
        ++pos_;
        return {};
      }
      if (c != '\\') {
        token.text += c;
        ++pos_;
        continue;
      }
      std::size_t escape = pos_++;
      if (pos_ >= src_.size()) return fail(start, "literal not terminated");
      char e = src_[pos_++];
      switch (e) {
        case 'n':
          token.text += '\n';
          break;
        case 't':
          token.text += '\t';
          break;
        case 'r':
          token.text += '\r';
          break;
        case '0':
          token.text += '\0';
          break;
        case 'a':
          token.text += '\a';
          break;
        case 'b':
          token.text += '\b';
          break;
        case 'f':
          token.text += '\f';
          break;
        case 'v':
          token.text += '\v';
          break;
        case '\\':
          token.text += '\\';
          break;
        case '\'':
          token.text += '\'';
          break;
        case '"':
          token.text += '"';
          break;
        case 'x':
        case 'u':
        case 'U': {
          int count = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
          std::uint32_t value = 0;
          for (int i = 0; i < count; ++i) {
            int h = pos_ < src_.size() ? hexValue(src_[pos_]) : -1;
            if (h < 0) return fail(escape, "invalid escape sequence");
            value = value * 16 + static_cast<std::uint32_t>(h);
            ++pos_;
          }
          if (e == 'x') {
            token.text += static_cast<char>(value);
          } else {
            if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
              return fail(escape, "invalid Unicode code point in escape sequence");
            }
            appendUtf8(token.text, value);
          }
          break;
        }
        default:
          return fail(escape, "invalid escape sequence");
      }
    }
  }

  core::Status raw(Token& token) {
    std::size_t start = pos_++;
    std::size_t end = src_.find('`', pos_);
    if (end == std::string_view::npos) return fail(start, "literal not terminated");
    token.kind = TokenKind::kString;
    token.text = std::string(src_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return {};
  }

  core::Status punct(Token& token) {
    for (std::string_view p : kPunctuation) {
      if (src_.substr(pos_, p.size()) == p) {
        token.kind = TokenKind::kPunct;
        token.text = std::string(p);
        pos_ += p.size();
        return {};
      }
    }
    return fail(pos_, "unrecognized character");
  }

  std::string_view src_;
  std::size_t pos_ = 0;
};

}  // namespace

core::Result<std::vector<Token>> lex(std::string_view source) { return Lexer(source).run(); }

}  // namespace gitopsd::analysis::expr
