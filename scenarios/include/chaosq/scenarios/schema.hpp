#pragma once
/// \file
/// The scenario schema, as users read it: every key with its type, default and meaning. Generated
/// from the same table the loader parses with and the writer prints with, so the documentation
/// (docs/scenarios.md), `chaosq run --schema` and the loader cannot disagree.

#include <string>
#include <vector>

namespace chaosq::scenarios {

/// One key of the schema.
struct key_info {
  std::string path;           ///< "queue.kind", "faults.pinned[].task"
  std::string type;           ///< "integer 0..1000", "fifo | lifo | priority", "map", ...
  std::string default_value;  ///< as YAML, "required", or what leaving it out means
  std::string help;
};

/// Every key, parents before their children, in the order the writer prints them.
[[nodiscard]] std::vector<key_info> schema();

/// The schema as a Markdown table (the block between the KEYS markers in docs/scenarios.md).
[[nodiscard]] std::string schema_markdown();

/// Every verdict a scenario may name (`expect.verdict`, `expect.forbid`), from the harness's
/// one table, as a Markdown table (the block between the VERDICTS markers in docs/scenarios.md).
[[nodiscard]] std::string verdicts_markdown();

}  // namespace chaosq::scenarios
