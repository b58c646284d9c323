#include "chaosq/conformance/program.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

#include "chaosq/queue/format.hpp"

namespace chaosq::conformance {
namespace {

/// What follows an operation's words.
enum class arg_kind : std::uint8_t { none, value, task };

/// The syntax of every operation: the parser matches it, the printer and the error messages
/// spell it.
struct op_syntax {
  op_code code;
  std::string_view words;  // one or two words
  arg_kind arg;
};

constexpr std::array<op_syntax, 10> k_syntax{{
    {op_code::spawn_get, "spawn get", arg_kind::none},
    {op_code::spawn_put, "spawn put", arg_kind::value},
    {op_code::spawn_join, "spawn join", arg_kind::none},
    {op_code::put_nowait, "put_nowait", arg_kind::value},
    {op_code::get_nowait, "get_nowait", arg_kind::none},
    {op_code::task_done, "task_done", arg_kind::none},
    {op_code::cancel, "cancel", arg_kind::task},
    {op_code::shutdown, "shutdown", arg_kind::none},
    {op_code::shutdown_immediate, "shutdown immediate", arg_kind::none},
    {op_code::step, "step", arg_kind::none},
}};

const op_syntax& syntax_of(op_code code) {
  return *std::find_if(k_syntax.begin(), k_syntax.end(),
                       [code](const op_syntax& s) { return s.code == code; });
}

std::string usage_of(const op_syntax& s) {
  std::string out(s.words);
  if (s.arg == arg_kind::value) out += " V";
  if (s.arg == arg_kind::task) out += " t<k>";
  return out;
}

constexpr std::array<queue::queue_kind, 3> k_kinds{queue::queue_kind::fifo, queue::queue_kind::lifo,
                                                   queue::queue_kind::priority};

struct word {
  std::string_view text;
  std::size_t column;  // 1-based
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::vector<word> split_words(std::string_view line) {
  std::vector<word> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    std::size_t const start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) out.push_back({line.substr(start, i - start), start + 1});
  }
  return out;
}

/// The one or two words of an operation's syntax.
struct syntax_words {
  std::array<std::string_view, 2> word;
  std::size_t count;
};

syntax_words split_syntax(std::string_view words) {
  std::size_t const space = words.find(' ');
  if (space == std::string_view::npos) return {{words, {}}, 1};
  return {{words.substr(0, space), words.substr(space + 1)}, 2};
}

std::string joined(std::span<const word> words) {
  std::string out;
  for (const word& w : words) {
    if (!out.empty()) out += ' ';
    out += w.text;
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Parses `digits` (already checked) into an int64; false on overflow.
bool to_int64(std::string_view digits, bool negative, std::int64_t& out) {
  std::uint64_t magnitude = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
  if (ec != std::errc{} || end != digits.data() + digits.size()) return false;
  auto const max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (magnitude > max + (negative ? 1U : 0U)) return false;
  out = negative ? static_cast<std::int64_t>(0 - magnitude) : static_cast<std::int64_t>(magnitude);
  return true;
}

/// One line of a program being parsed.
class line_parser {
 public:
  line_parser(std::size_t line, std::span<const word> words) : line_(line), words_(words) {}

  [[nodiscard]] parse_error error(std::size_t word_index, std::string message) const {
    std::size_t const column =
        word_index < words_.size() ? words_[word_index].column : words_.back().column;
    return {line_, column, std::move(message) + ": '" + joined(words_) + "'"};
  }

  [[nodiscard]] std::optional<parse_error> value(std::size_t i, std::int64_t& out) const {
    std::string_view const s = words_[i].text;
    if (!all_digits(s)) {
      return error(i, "bad value '" + std::string(s) + "' (expected a non-negative integer)");
    }
    if (!to_int64(s, false, out) || out > k_max_value) {
      return error(i, "value " + std::string(s) +
                          " is larger than the reference's int items allow (" +
                          std::to_string(k_max_value) + ")");
    }
    return std::nullopt;
  }

  [[nodiscard]] std::optional<parse_error> maxsize(std::size_t i, std::int64_t& out) const {
    std::string_view s = words_[i].text;
    bool const negative = !s.empty() && s.front() == '-';
    if (negative) s.remove_prefix(1);
    if (!all_digits(s) || !to_int64(s, negative, out)) {
      return error(i, "bad maxsize '" + std::string(words_[i].text) +
                          "' (expected a 64-bit integer; <= 0 means unbounded)");
    }
    return std::nullopt;
  }

  [[nodiscard]] std::optional<parse_error> task(std::size_t i, std::size_t spawned,
                                                std::int64_t& out) const {
    std::string_view const s = words_[i].text;
    std::string_view const digits = s.substr(std::min<std::size_t>(1, s.size()));
    bool const canonical = s.size() >= 2 && s[0] == 't' && all_digits(digits) &&
                           (digits.size() == 1 || digits[0] != '0');
    if (!canonical || !to_int64(digits, false, out)) {
      return error(i, "bad task id '" + std::string(s) + "' (expected t<k>)");
    }
    if (static_cast<std::uint64_t>(out) >= spawned) {
      return error(i, "unknown task " + std::string(s) + " (" + std::to_string(spawned) +
                          (spawned == 1 ? " task" : " tasks") + " spawned so far)");
    }
    return std::nullopt;
  }

  [[nodiscard]] std::span<const word> words() const { return words_; }

 private:
  std::size_t line_;
  std::span<const word> words_;
};

parse_result<program> parse_queue_line(const line_parser& lp, program p) {
  auto words = lp.words();
  if (words[0].text != "queue") {
    return lp.error(0, "the first operation must be 'queue <fifo|lifo|priority> <maxsize>'");
  }
  if (words.size() != 3) return lp.error(0, "'queue' takes 2 arguments");
  auto const kind = std::find_if(k_kinds.begin(), k_kinds.end(), [&](queue::queue_kind k) {
    return queue::kind_name(k) == words[1].text;
  });
  if (kind == k_kinds.end()) {
    return lp.error(1, "unknown queue kind '" + std::string(words[1].text) +
                           "' (expected fifo, lifo or priority)");
  }
  p.kind = *kind;
  if (auto e = lp.maxsize(2, p.maxsize)) return *e;
  return p;
}

/// The syntax entry whose words start the line, preferring the longest match.
const op_syntax* match(std::span<const word> words) {
  const op_syntax* best = nullptr;
  std::size_t best_length = 0;
  for (const op_syntax& s : k_syntax) {
    auto const expected = split_syntax(s.words);
    if (expected.count > words.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < expected.count; ++i)
      same = same && expected.word[i] == words[i].text;
    if (same && expected.count > best_length) {
      best = &s;
      best_length = expected.count;
    }
  }
  return best;
}

std::optional<parse_error> parse_operation(const line_parser& lp, std::size_t& spawned,
                                           operation& op) {
  auto words = lp.words();
  if (words[0].text == "queue") return lp.error(0, "second 'queue' operation");
  const op_syntax* s = match(words);
  std::size_t const first_arg = s == nullptr ? 0 : split_syntax(s->words).count;
  std::size_t const arity = s == nullptr || s->arg == arg_kind::none ? 0 : 1;
  if (s == nullptr || words.size() != first_arg + arity) {
    // Words that start an operation but do not finish it, e.g. `shutdown now`, are reported
    // against every form that starts with the same word.
    std::string forms;
    for (const op_syntax& candidate : k_syntax) {
      if (split_syntax(candidate.words).word[0] != words[0].text) continue;
      forms += (forms.empty() ? "'" : ", '") + usage_of(candidate) + "'";
    }
    if (forms.empty()) return lp.error(0, "unknown operation '" + std::string(words[0].text) + "'");
    return lp.error(std::min(first_arg + arity, words.size() - 1), "expected " + forms);
  }
  op.code = s->code;
  op.arg = 0;
  if (s->arg == arg_kind::value) {
    if (auto e = lp.value(first_arg, op.arg)) return e;
  } else if (s->arg == arg_kind::task) {
    if (auto e = lp.task(first_arg, spawned, op.arg)) return e;
  }
  if (op.code == op_code::spawn_get || op.code == op_code::spawn_put ||
      op.code == op_code::spawn_join) {
    ++spawned;
  }
  return std::nullopt;
}

/// Feeds the program lines of a text to `on_line(line number, words)`; stops at the first
/// error it returns.
template <class OnLine>
std::optional<parse_error> for_each_line(std::string_view text, std::size_t first_line,
                                         OnLine on_line) {
  std::size_t line = first_line;
  while (!text.empty()) {
    std::size_t const end = std::min(text.find('\n'), text.size());
    auto const words = split_words(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
    if (!words.empty() && words[0].text[0] != '#') {
      if (auto e = on_line(line, std::span<const word>(words))) return e;
    }
    ++line;
  }
  return std::nullopt;
}

/// Accumulates the lines of one program.
class program_builder {
 public:
  std::optional<parse_error> add(std::size_t line, std::span<const word> words) {
    line_parser const lp(line, words);
    if (!started_) {
      started_ = true;
      auto r = parse_queue_line(lp, std::move(program_));
      if (!r) return r.error();
      program_ = std::move(r).value();
      return std::nullopt;
    }
    operation op;
    if (auto e = parse_operation(lp, spawned_, op)) return e;
    program_.ops.push_back(op);
    return std::nullopt;
  }

  /// The program, or an error at `line` if it has no `queue` line.
  parse_result<program> finish(std::size_t line) && {
    if (!started_)
      return parse_error{line, 1, "program has no operations (expected 'queue ...' first)"};
    return std::move(program_);
  }

 private:
  program program_;
  bool started_ = false;
  std::size_t spawned_ = 0;
};

}  // namespace

std::string to_string(const parse_error& e, std::string_view file) {
  return std::string(file) + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " +
         e.message;
}

parse_result<program> parse_program(std::string_view text, std::size_t first_line) {
  program_builder builder;
  std::size_t last_line = first_line;
  auto const error =
      for_each_line(text, first_line, [&](std::size_t line, std::span<const word> w) {
        last_line = line;
        return builder.add(line, w);
      });
  if (error) return *error;
  return std::move(builder).finish(last_line);
}

parse_result<std::vector<program>> parse_batch(std::string_view text) {
  std::vector<program> programs;
  std::optional<program_builder> current;
  std::size_t header_line = 0;
  auto const close = [&]() -> std::optional<parse_error> {
    if (!current) return std::nullopt;
    auto r = std::move(*current).finish(header_line);
    if (!r) return r.error();
    programs.push_back(std::move(r).value());
    return std::nullopt;
  };
  auto const error = for_each_line(
      text, 1, [&](std::size_t line, std::span<const word> w) -> std::optional<parse_error> {
        if (w[0].text == "program") {
          if (w.size() != 2 || !all_digits(w[1].text)) {
            return parse_error{line, w[0].column,
                               "bad program header '" + joined(w) + "' (expected 'program <k>')"};
          }
          if (auto e = close()) return e;
          current.emplace();
          header_line = line;
          return std::nullopt;
        }
        if (!current) {
          return parse_error{line, w[0].column,
                             "expected a 'program <k>' header before '" + joined(w) + "'"};
        }
        return current->add(line, w);
      });
  if (error) return *error;
  if (auto e = close()) return *e;
  return programs;
}

std::string to_string(const operation& op) {
  const op_syntax& s = syntax_of(op.code);
  std::string out(s.words);
  if (s.arg == arg_kind::value) out += " " + std::to_string(op.arg);
  if (s.arg == arg_kind::task) out += " t" + std::to_string(op.arg);
  return out;
}

std::string to_string(const program& p) {
  std::string out =
      "queue " + std::string(queue::kind_name(p.kind)) + " " + std::to_string(p.maxsize) + "\n";
  for (const operation& op : p.ops) out += to_string(op) + "\n";
  return out;
}

std::string_view phase_name(task_phase p) noexcept {
  switch (p) {
    case task_phase::unstarted:
      return "unstarted";
    case task_phase::waiting:
      return "waiting";
    case task_phase::woken:
      return "woken";
    case task_phase::done:
      return "done";
  }
  return "?";
}

std::string queue_text(const queue_observation& o) {
  std::string out = "items=[";
  for (std::size_t i = 0; i < o.items.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(o.items[i]);
  }
  out += "] unfinished=" + std::to_string(o.unfinished);
  out += " getters=" + std::to_string(o.getters);
  out += " putters=" + std::to_string(o.putters);
  out += o.finished ? " finished=set" : " finished=clear";
  out += o.shut_down ? " shutdown=1" : " shutdown=0";
  return out;
}

std::string to_string(const queue_observation& o) {
  std::string out = queue_text(o) + " ready=" + std::to_string(o.ready) + " tasks=[";
  for (std::size_t k = 0; k < o.tasks.size(); ++k) {
    if (k > 0) out += ", ";
    out += "t" + std::to_string(k) + " " + o.tasks[k];
    if (k < o.phases.size()) out += "/" + std::string(phase_name(o.phases[k]));
  }
  return out + "]";
}

std::string to_batch(std::span<const program> programs) {
  std::string out;
  for (std::size_t i = 0; i < programs.size(); ++i) {
    out += "program " + std::to_string(i) + "\n" + to_string(programs[i]);
  }
  return out;
}

std::size_t task_count(const program& p) noexcept {
  return static_cast<std::size_t>(
      std::count_if(p.ops.begin(), p.ops.end(), [](const operation& op) {
        return op.code == op_code::spawn_get || op.code == op_code::spawn_put ||
               op.code == op_code::spawn_join;
      }));
}

bool uses_shutdown(const program& p) noexcept {
  return std::any_of(p.ops.begin(), p.ops.end(), [](const operation& op) {
    return op.code == op_code::shutdown || op.code == op_code::shutdown_immediate;
  });
}

}  // namespace chaosq::conformance
