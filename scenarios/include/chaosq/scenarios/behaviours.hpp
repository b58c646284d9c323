#pragma once
/// \file
/// Consumer behaviours written in C++ that a scenario names: `consumers: {behaviour: NAME}`.
/// The built-in acknowledgement policies stay `consumers: {policy: ...}`; a behaviour is a
/// user's own consumer coroutine, written against `harness::consumer_context`.

#include <string>
#include <string_view>
#include <vector>

#include "chaosq/harness/consumer.hpp"

namespace chaosq::scenarios {

/// A named consumer coroutine.
struct behaviour {
  std::string name;
  std::string help;  ///< one line for `--help` and "did you mean" errors
  harness::consumer_fn consumer;
};

/// Name -> consumer. Passed by reference to the loader (which checks names) and the runner
/// (which runs them); no global state.
class behaviour_registry {
 public:
  /// Registers `consumer` as `name` (letters, digits, '-', '_', '.'). Returns false and
  /// changes nothing when the name is taken or malformed, or `consumer` is empty.
  bool add(std::string name, std::string help, harness::consumer_fn consumer);

  /// The behaviour called `name`, or nullptr. The pointer stays valid until the next `add`.
  [[nodiscard]] const behaviour* find(std::string_view name) const noexcept;

  /// Every behaviour, sorted by name.
  [[nodiscard]] const std::vector<behaviour>& all() const noexcept { return behaviours_; }

 private:
  std::vector<behaviour> behaviours_;
};

/// The behaviours `chaosq run` knows, each modelling a consumer pattern found in real code:
///   get-with-timeout  waits for an item with `asyncio.wait_for(q.get(), 1)`, retries on a
///                     timeout, exits after 3 idle timeouts in a row; acks in finally
[[nodiscard]] behaviour_registry builtin_behaviours();

}  // namespace chaosq::scenarios
