#pragma once
// The one table of scenario keys. The loader parses with it (and suggests from it), the writer
// prints with it, schema() documents from it. The workload's keys are built from the harness
// field table (chaosq/harness/workload_fields.hpp); the scenario's own keys are declared here.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "chaosq/harness/names.hpp"
#include "chaosq/harness/registry.hpp"
#include "chaosq/harness/workload_fields.hpp"
#include "chaosq/scenarios/scenario.hpp"

namespace chaosq::scenarios::detail {

using harness::closest;

/// An error as the reader collects it (converted to `load_error` by the loader).
struct load_error_data {
  std::size_t line = 0;
  std::size_t column = 0;
  std::string key;
  std::string message;
};

/// Reads typed values out of YAML nodes, reporting every problem at the node's 1-based position
/// under the current key path. Implemented by the loader.
class reader {
 public:
  reader(std::string file, const harness::registry& registry, std::size_t max_errors)
      : file_(std::move(file)), registry_(registry), max_errors_(max_errors) {}

  /// Reports `message` at `at` (at the current key, when `at` has no useful position).
  void error(const YAML::Node& at, std::string message);
  /// Reports `message` at a mark (0-based, as yaml-cpp gives them) under key path `key`.
  void error_at(const YAML::Mark& mark, std::string key, std::string message);
  [[nodiscard]] bool full() const noexcept { return errors_.size() >= max_errors_; }
  [[nodiscard]] std::size_t error_count() const noexcept { return errors_.size(); }

  /// A non-negative decimal integer in [lo, hi], written plain (not quoted).
  std::optional<std::uint64_t> integer(const YAML::Node& n, std::uint64_t lo, std::uint64_t hi);
  /// One of the names in `names_of<E>`.
  template <class E>
  std::optional<E> enumeration(const YAML::Node& n) {
    std::optional<std::string> text = plain_word(n, harness::all_names<E>(" | "));
    if (!text) return std::nullopt;
    if (auto v = harness::parse_name<E>(*text)) return v;
    std::vector<std::string_view> names;
    for (const auto& v : harness::names_of<E>::values) names.push_back(v.name);
    unknown_name(n, *text, names);
    return std::nullopt;
  }
  /// Any string (plain, quoted or block), but not null, a list or a map.
  std::optional<std::string> string(const YAML::Node& n);
  /// A name: 1-100 letters, digits, '-', '_' or '.'.
  std::optional<std::string> identifier(const YAML::Node& n);
  /// A task name: p<N>, c<N>, c<N>.<restart>, j<N>, s<N> (not checked against the workload).
  std::optional<std::string> task_name(const YAML::Node& n);
  /// The name of code under test (`queue.impl`, `consumers.behaviour`: field `id`), which the
  /// loader's registry has.
  std::optional<harness::code_name> code(const YAML::Node& n, harness::field_id id);
  /// A strategy from `strategies()`.
  std::optional<std::string> strategy_name(const YAML::Node& n);
  /// "ORACLE" or "ORACLE/KIND".
  std::optional<verdict_pattern> pattern(const YAML::Node& n);
  /// An item id: 3 or i3.
  std::optional<std::uint32_t> item_id(const YAML::Node& n);
  /// Calls `each(element, index)` for every element of a sequence, under "key[index]".
  void list(const YAML::Node& n, std::string_view what,
            const std::function<void(const YAML::Node&, std::size_t)>& each);

  // The walker's bookkeeping: the current key path and the mark of the current key.
  std::string path;
  YAML::Mark key_mark;

  [[nodiscard]] std::vector<load_error_data>& errors() noexcept { return errors_; }

 private:
  /// A plain (unquoted) scalar, or an error saying `expected` was.
  std::optional<std::string> plain_word(const YAML::Node& n, const std::string& expected);
  void unknown_name(const YAML::Node& n, const std::string& got,
                    const std::vector<std::string_view>& names);
  [[nodiscard]] std::string describe_node(const YAML::Node& n) const;

  std::string file_;
  const harness::registry& registry_;
  std::size_t max_errors_;
  std::vector<load_error_data> errors_;
};

/// How a key's value is shaped.
enum class shape : std::uint8_t { scalar, list, map, list_of_maps };

/// One key of the schema.
struct key_def {
  std::string path;    ///< "faults.pinned[].task"
  std::string parent;  ///< "faults.pinned[]" ("" at the top)
  std::string name;    ///< "task"
  detail::shape shape = shape::scalar;
  std::string type;  ///< for people: "integer 0..1000", "fifo | lifo | priority"
  std::string help;
  bool required = false;
  /// What leaving the key out means, for keys whose default is not a value ("any item").
  std::string absent;
  /// Scalars and lists: reads the value into element `index` (of the enclosing list of maps).
  std::function<void(reader&, const YAML::Node&, scenario&, std::size_t index)> read;
  /// Scalars and lists: the value as YAML flow text, or nullopt to leave the key out.
  std::function<std::optional<std::string>(const scenario&, std::size_t index)> write;
  /// Lists of maps: how many elements the scenario has, and making room for `n` of them.
  std::function<std::size_t(const scenario&)> count;
  std::function<void(scenario&, std::size_t n)> resize;
};

/// Every key, parents first, in writing order.
[[nodiscard]] const std::vector<key_def>& keys();

/// The key `name` under `parent`, or nullptr.
[[nodiscard]] const key_def* find_key(std::string_view parent, std::string_view name);

/// The keys directly under `parent`, in order.
[[nodiscard]] std::vector<const key_def*> children(std::string_view parent);

/// The scenario whose values are each key's default (one pinned fault and one control event,
/// so that their keys have defaults too).
[[nodiscard]] scenario documented_defaults();

}  // namespace chaosq::scenarios::detail
