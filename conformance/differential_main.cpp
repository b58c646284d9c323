// chaosq_differential: random queue programs on the C++ reference and on CPython's asyncio.Queue;
// the observation logs must be byte-identical. See README.md in this folder.

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdlib.h>  // mkdtemp
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/conformance/cpython.hpp"
#include "chaosq/conformance/generator.hpp"
#include "chaosq/conformance/program.hpp"
#include "chaosq/conformance/reference.hpp"
#include "chaosq/conformance/shrink.hpp"
#include "chaosq/queue/format.hpp"

#ifndef CHAOSQ_ASYNCIO_DRIVER
#define CHAOSQ_ASYNCIO_DRIVER "asyncio_driver.py"
#endif

namespace {

namespace fs = std::filesystem;
using namespace chaosq::conformance;

/// The exit status, one per class of outcome.
enum class exit_code : int {
  identical = 0,   ///< every log identical
  divergence = 1,  ///< some program's logs differ
  bad_input = 2,   ///< bad usage, unreadable or malformed input, no usable Python
  internal = 3,    ///< the driver crashed or broke its output format
};

struct options {
  std::size_t programs = 2000;
  std::uint64_t seed = 1;
  std::string python;  // empty: discover
  std::string driver = CHAOSQ_ASYNCIO_DRIVER;
  std::string keep;    // empty: a temporary directory, removed unless something failed
  std::string replay;  // empty: generate
  bool help = false;
};

template <class Int>
std::optional<std::string> parse_number(std::string_view s, Int& out, Int min) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || out < min) {
    return "expected an integer >= " + std::to_string(min) + ", got '" + std::string(s) + "'";
  }
  return std::nullopt;
}

/// The command-line flags: parsed by `parse_args`, described by `--help`.
struct flag {
  std::string_view name;
  std::string_view value;  // empty: takes no value
  std::string_view help;
  std::optional<std::string> (*set)(options&, std::string_view);
};

const std::array<flag, 7> k_flags{{
    {"--programs", "N", "number of random programs to compare (default 2000)",
     [](options& o, std::string_view v) { return parse_number<std::size_t>(v, o.programs, 1); }},
    {"--seed", "S", "seed of the program generator, a 64-bit integer (default 1)",
     [](options& o, std::string_view v) { return parse_number<std::uint64_t>(v, o.seed, 0); }},
    {"--python", "PATH",
     "the interpreter to compare against (default: /root/.pyenv/versions/3.13.0/bin/python3, "
     "else python3.13 or python3 >= 3.13 on PATH, else python3 >= 3.11 without shutdown)",
     [](options& o, std::string_view v) -> std::optional<std::string> {
       o.python = v;
       return std::nullopt;
     }},
    {"--driver", "PATH", "the CPython side (default: " CHAOSQ_ASYNCIO_DRIVER ")",
     [](options& o, std::string_view v) -> std::optional<std::string> {
       o.driver = v;
       return std::nullopt;
     }},
    {"--keep", "DIR",
     "write the batch, both logs and any shrunk program into DIR and keep them (default: a "
     "temporary directory, kept only when something fails)",
     [](options& o, std::string_view v) -> std::optional<std::string> {
       o.keep = v;
       return std::nullopt;
     }},
    {"--replay", "FILE.prog",
     "compare the programs of FILE.prog (README format, 'program <k>' headers) instead of "
     "random ones",
     [](options& o, std::string_view v) -> std::optional<std::string> {
       o.replay = v;
       return std::nullopt;
     }},
    {"--help", "", "print this help and exit",
     [](options& o, std::string_view) -> std::optional<std::string> {
       o.help = true;
       return std::nullopt;
     }},
}};

void print_help(std::ostream& out) {
  out << "usage: chaosq_differential [flags]\n\n"
         "Runs random queue programs (or the programs of a file) twice: on the C++ reference\n"
         "queue in asyncio order, and through asyncio_driver.py on CPython's own asyncio.Queue,\n"
         "LifoQueue and PriorityQueue. Both print the observation log of conformance/README.md;\n"
         "the logs must be byte-identical. On a divergence the shortest diverging program is\n"
         "shrunk and printed with both logs.\n\nflags:\n";
  constexpr std::size_t help_column = 22;
  constexpr std::size_t width = 92;
  for (const flag& f : k_flags) {
    std::string line = "  " + std::string(f.name);
    if (!f.value.empty()) line += " " + std::string(f.value);
    line.resize(std::max(line.size() + 1, help_column), ' ');
    std::string_view words = f.help;
    while (!words.empty()) {
      std::size_t const end = std::min(words.find(' '), words.size());
      if (line.size() > help_column && line.size() + end > width) {
        out << line << "\n";
        line.assign(help_column, ' ');
      }
      if (line.size() > help_column && line.back() != ' ') line += ' ';
      line += words.substr(0, end);
      words.remove_prefix(std::min(end + 1, words.size()));
    }
    out << line << "\n";
  }
  out << "\nexit status: 0 all logs identical, 1 divergence, 2 bad usage or input (no usable\n"
         "Python included), 3 internal error (the driver crashed). The last line printed is a\n"
         "'SUMMARY: ...' line.\n\n"
         "examples:\n"
         "  chaosq_differential                            # 2000 programs, seed 1\n"
         "  chaosq_differential --programs 100000 --seed 7 # the long run\n"
         "  chaosq_differential --replay conformance/examples/getters.prog\n";
}

std::optional<std::string> parse_args(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::optional<std::string_view> inline_value;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto const f = std::find_if(k_flags.begin(), k_flags.end(),
                                [&](const flag& candidate) { return candidate.name == arg; });
    if (f == k_flags.end()) return "unknown argument '" + std::string(argv[i]) + "'";
    std::string_view value;
    if (f->value.empty()) {
      if (inline_value) return std::string(f->name) + " takes no value";
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return std::string(f->name) + " needs a value (" + std::string(f->value) + ")";
    }
    if (auto error = f->set(o, value)) return std::string(f->name) + ": " + *error;
  }
  return std::nullopt;
}

/// Prints the one SUMMARY line and gives the exit status for `code`.
int finish(exit_code code, const std::string& summary) {
  std::cout << "SUMMARY: " << summary << std::endl;
  return static_cast<int>(code);
}

int fail(exit_code code, const std::string& message) {
  std::cout.flush();
  std::cerr << "chaosq_differential: " << message << std::endl;
  std::string const first_line = message.substr(0, message.find('\n'));
  return finish(code, (code == exit_code::internal ? "internal error: " : "error: ") + first_line);
}

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    std::size_t const end = std::min(text.find('\n'), text.size());
    out.push_back(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return out;
}

/// Where two logs first differ (0-based line), and the operation word there: a shrunk program
/// must keep diverging at the same kind of operation.
struct difference {
  std::size_t line = 0;
  std::string signature;
};

std::optional<difference> first_difference(std::string_view reference, std::string_view cpython) {
  if (reference == cpython) return std::nullopt;
  auto const a = lines_of(reference);
  auto const b = lines_of(cpython);
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  std::string_view const at = i < a.size() ? a[i] : i < b.size() ? b[i] : std::string_view{};
  return difference{i, std::string(at.substr(0, at.find(' ')))};
}

/// One program's two logs.
struct compared {
  std::size_t index = 0;
  std::string reference;
  std::string cpython;
};

/// Runs the driver once on `programs` and compares every log with the reference's.
class comparison {
 public:
  comparison(const python_interpreter& python, fs::path driver, fs::path dir)
      : python_(python), driver_(std::move(driver)), dir_(std::move(dir)) {}

  /// Calls `on_result(i, reference_log, cpython_log)` for every program, in order. Writes the
  /// batch to `<dir>/<name>.prog`; with `keep_logs`, also both logs.
  template <class OnResult>
  driver_result run(std::span<const program> programs, const std::string& name, bool keep_logs,
                    OnResult on_result, reference_coverage* coverage = nullptr) {
    fs::path const batch = dir_ / (name + ".prog");
    {
      std::ofstream out(batch, std::ios::binary);
      out << to_batch(programs);
      if (!out) return {driver_status::failed, "", "cannot write " + batch.string()};
    }
    std::ofstream cpython_log;
    std::ofstream reference_log;
    if (keep_logs) {
      cpython_log.open(dir_ / (name + ".cpython.log"), std::ios::binary);
      reference_log.open(dir_ / (name + ".reference.log"), std::ios::binary);
    }
    auto sink = [&](std::size_t i, std::string log) {
      std::string reference = run_on_reference(programs[i], coverage);
      if (keep_logs) reference_log << "program " << i << "\n" << reference;
      on_result(i, std::move(reference), std::move(log));
    };
    return run_asyncio_driver(python_, driver_, batch, dir_ / (name + ".stderr"), programs.size(),
                              sink, keep_logs ? &cpython_log : nullptr);
  }

 private:
  python_interpreter python_;
  fs::path driver_;
  fs::path dir_;
};

std::string indent(std::string_view text, std::string_view prefix) {
  std::string out;
  for (std::string_view line : lines_of(text))
    out += std::string(prefix) + std::string(line) + "\n";
  return out;
}

std::string coverage_line(const reference_coverage& c) {
  std::ostringstream s;
  s << "coverage: " << c.steps << " steps (" << c.idle_steps << " idle, " << c.steps_cancelled
    << " ending cancelled, " << c.steps_shut_down << " raising QueueShutDown); cancels of "
    << c.cancels_waiting << " waiting, " << c.cancels_woken << " just-woken, " << c.cancels_fresh
    << " unstarted, " << c.cancels_done << " done tasks; " << c.queue_full << " QueueFull, "
    << c.queue_empty << " QueueEmpty, " << c.value_errors << " ValueError; " << c.shutdowns
    << " shutdowns in " << c.programs_with_shutdown << " programs";
  return s.str();
}

std::string kind_counts(std::span<const program> programs) {
  std::array<std::size_t, 3> counts{};
  for (const program& p : programs) ++counts[static_cast<std::size_t>(p.kind)];
  std::string out;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    if (k > 0) out += ", ";
    out += std::string(chaosq::queue::kind_name(static_cast<chaosq::queue::queue_kind>(k))) + " " +
           std::to_string(counts[k]);
  }
  return out;
}

int run(const options& o) {
  auto const started = std::chrono::steady_clock::now();

  // ---- the interpreter ----
  std::optional<python_interpreter> python;
  if (!o.python.empty()) {
    python = probe_python(o.python);
    if (!python) return fail(exit_code::bad_input, "cannot run Python '" + o.python + "'");
  } else {
    python = find_python();
    if (!python) {
      return fail(exit_code::bad_input,
                  "no Python >= 3.11 found (tried /root/.pyenv/versions/3.13.0/bin/python3, "
                  "python3.13, python3); install CPython 3.13 or pass --python PATH");
    }
  }
  if (!python->supported()) {
    return fail(exit_code::bad_input, "Python " + python->version + " at '" + python->path +
                                          "' is too old: the comparison needs 3.13 (3.11 or "
                                          "3.12 without shutdown)");
  }
  shutdown_ops const shutdown =
      python->has_shutdown() ? shutdown_ops::included : shutdown_ops::excluded;
  fs::path const driver = o.driver;
  if (!fs::is_regular_file(driver)) {
    return fail(exit_code::bad_input, "the driver '" + o.driver + "' does not exist");
  }

  // ---- the programs ----
  std::vector<program> programs;
  if (!o.replay.empty()) {
    auto const text = read_text(o.replay);
    if (!text) return fail(exit_code::bad_input, "cannot read '" + o.replay + "'");
    auto parsed = parse_batch(*text);
    if (!parsed) return fail(exit_code::bad_input, to_string(parsed.error(), o.replay));
    programs = std::move(parsed).value();
    if (programs.empty()) return fail(exit_code::bad_input, "'" + o.replay + "' holds no program");
    if (shutdown == shutdown_ops::excluded) {
      for (std::size_t i = 0; i < programs.size(); ++i) {
        if (uses_shutdown(programs[i])) {
          return fail(exit_code::bad_input, "program " + std::to_string(i) + " of '" + o.replay +
                                                "' uses shutdown, which Python " + python->version +
                                                " does not have; pass --python with CPython 3.13");
        }
      }
    }
  } else {
    programs = generate_batch(o.seed, o.programs, shutdown);
  }

  // ---- the work directory ----
  fs::path dir;
  std::error_code ec;
  if (!o.keep.empty()) {
    dir = o.keep;
    fs::create_directories(dir, ec);
    if (ec) return fail(exit_code::bad_input, "cannot create '" + o.keep + "': " + ec.message());
  } else {
    std::string tmpl = (fs::temp_directory_path(ec) / "chaosq-differential-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return fail(exit_code::internal, "cannot create a temporary directory from " + tmpl);
    }
    dir = tmpl;
  }
  bool keep_dir = !o.keep.empty();
  struct dir_cleanup {
    const fs::path& dir;
    const bool& keep;
    ~dir_cleanup() {
      std::error_code ignored;
      if (!keep) fs::remove_all(dir, ignored);
    }
  } const cleanup{dir, keep_dir};

  std::cout << "chaosq_differential: " << programs.size() << " programs ("
            << (o.replay.empty() ? "seed " + std::to_string(o.seed) : "from " + o.replay)
            << ") against CPython " << python->version << " (" << python->path << ")\n";
  if (shutdown == shutdown_ops::excluded) {
    std::cout
        << "NOTE: Python " << python->version
        << " has no asyncio.Queue.shutdown (new in 3.13): the programs leave shutdown out, "
           "so shutdown is NOT compared. Install CPython 3.13 or pass --python to cover it.\n";
  }
  std::cout.flush();

  // ---- the batch ----
  comparison compare(*python, driver, dir);
  reference_coverage coverage;
  std::vector<std::size_t> diverging;
  std::optional<compared> shortest;
  auto const result = compare.run(
      programs, "batch", keep_dir,
      [&](std::size_t i, std::string reference, std::string cpython) {
        if (reference == cpython) return;
        diverging.push_back(i);
        if (!shortest || programs[i].ops.size() < programs[shortest->index].ops.size()) {
          shortest = compared{i, std::move(reference), std::move(cpython)};
        }
      },
      &coverage);
  if (result.status != driver_status::ok) {
    keep_dir = true;
    return fail(exit_code::internal, result.message + "(the batch is in " + dir.string() + ")");
  }
  std::string const against = "CPython " + result.python_version;
  std::cout << coverage_line(coverage) << "\n";

  if (!shortest) {
    auto const seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::ostringstream took;
    took.precision(1);
    took << std::fixed << seconds;
    std::cout << "all " << programs.size() << " logs identical (" << took.str() << " s)\n";
    return finish(exit_code::identical,
                  std::to_string(programs.size()) + " programs identical to " + against + " (" +
                      kind_counts(programs) + "; " +
                      (shutdown == shutdown_ops::included
                           ? std::string("shutdown included")
                           : "shutdown NOT covered: Python " + python->version + " has none") +
                      ")");
  }

  // ---- a divergence: shrink the shortest diverging program ----
  keep_dir = true;
  std::cout << "DIVERGENCE: " << diverging.size() << " of " << programs.size()
            << " programs differ from " << against << ": programs";
  for (std::size_t k = 0; k < diverging.size() && k < 20; ++k) std::cout << " " << diverging[k];
  if (diverging.size() > 20) std::cout << " ...";
  std::cout << "\nshortest: program " << shortest->index << " ("
            << programs[shortest->index].ops.size() << " operations after 'queue'); shrinking...\n"
            << std::flush;
  std::string const signature = first_difference(shortest->reference, shortest->cpython)->signature;
  compared minimal = *shortest;
  std::size_t round = 0;
  std::optional<std::string> shrink_error;
  program const small = shrink(programs[shortest->index], [&](std::span<const program> candidates) {
    std::vector<bool> fails(candidates.size(), false);
    if (shrink_error) return fails;
    auto const r =
        compare.run(candidates, "shrink-" + std::to_string(++round), false,
                    [&](std::size_t i, const std::string& reference, const std::string& cpython) {
                      auto const d = first_difference(reference, cpython);
                      fails[i] = d && d->signature == signature;
                    });
    if (r.status != driver_status::ok) {
      shrink_error = r.message;
      std::fill(fails.begin(), fails.end(), false);
    }
    return fails;
  });
  if (shrink_error) {
    return fail(exit_code::internal, "while shrinking: " + *shrink_error);
  }
  // The final run gives both logs of the minimal program.
  std::vector<program> const one{small};
  auto const r = compare.run(one, "minimal", true,
                             [&](std::size_t, std::string reference, std::string cpython) {
                               minimal = compared{0, std::move(reference), std::move(cpython)};
                             });
  if (r.status != driver_status::ok) return fail(exit_code::internal, r.message);
  auto const d = first_difference(minimal.reference, minimal.cpython);
  if (!d) return fail(exit_code::internal, "the shrunk program no longer diverges");
  auto const ref_lines = lines_of(minimal.reference);
  auto const py_lines = lines_of(minimal.cpython);

  std::cout << "minimal diverging program (" << small.ops.size() << " operations after 'queue', "
            << round << " shrink rounds), saved as " << (dir / "minimal.prog").string() << ":\n"
            << indent(to_string(small), "    ") << "first difference, log line " << d->line + 1
            << ":\n"
            << "  reference: " << (d->line < ref_lines.size() ? ref_lines[d->line] : "<missing>")
            << "\n"
            << "  cpython:   " << (d->line < py_lines.size() ? py_lines[d->line] : "<missing>")
            << "\n"
            << "--- C++ reference log\n"
            << minimal.reference << "--- " << against << " log\n"
            << minimal.cpython << "---\n"
            << "replay: chaosq_differential" << (o.python.empty() ? "" : " --python " + o.python)
            << (o.driver == CHAOSQ_ASYNCIO_DRIVER ? "" : " --driver " + o.driver) << " --replay "
            << (dir / "minimal.prog").string() << "\n";
  return finish(exit_code::divergence,
                std::to_string(diverging.size()) + " of " + std::to_string(programs.size()) +
                    " programs differ from " + against + "; minimal diverging program (" +
                    std::to_string(small.ops.size()) + " operations) printed above");
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (auto error = parse_args(argc, argv, o)) {
    return fail(exit_code::bad_input, *error + " (try --help)");
  }
  if (o.help) {
    print_help(std::cout);
    return 0;
  }
  try {
    return run(o);
  } catch (const std::exception& e) {
    return fail(exit_code::internal, std::string("unexpected exception: ") + e.what());
  }
}
