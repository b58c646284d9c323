#include "detail/explain.hpp"

#include <cstdlib>
#include <string_view>
#include <typeinfo>

#include "chaosq/harness/observed.hpp"

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif

#include "chaosq/queue/errors.hpp"
#include "chaosq/sim/errors.hpp"

#include "detail/ledger.hpp"

namespace chaosq::harness::detail {

using namespace std::string_view_literals;

std::string item_name(std::uint32_t id) { return "i" + std::to_string(id); }

namespace {

/// The type of the exception being handled, demangled where the ABI says how.
std::string handled_type_name() {
#if __has_include(<cxxabi.h>)
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (type == nullptr) return "unknown exception";
  int status = 0;
  char* demangled = abi::__cxa_demangle(type->name(), nullptr, nullptr, &status);
  std::string name = status == 0 && demangled != nullptr ? demangled : type->name();
  std::free(demangled);  // NOLINT(cppcoreguidelines-no-malloc): __cxa_demangle's buffer
  return name;
#else
  return "unknown exception";
#endif
}

/// "type (PythonName): what".
std::string described(std::string_view python_name, std::string_view what) {
  std::string text = handled_type_name();
  if (!python_name.empty()) {
    text += " ("sv;
    text += python_name;
    text += ')';
  }
  text += ": "sv;
  text += what;
  return text;
}

}  // namespace

std::string exception_text(const std::exception_ptr& error) {
  if (!error) return "no exception";
  try {
    std::rethrow_exception(error);
  } catch (const queue::queue_empty& e) {
    return described(queue::queue_empty::k_python_name, e.what());
  } catch (const queue::queue_full& e) {
    return described(queue::queue_full::k_python_name, e.what());
  } catch (const queue::queue_shut_down& e) {
    return described(queue::queue_shut_down::k_python_name, e.what());
  } catch (const queue::task_done_error& e) {
    return described(queue::task_done_error::k_python_name, e.what());
  } catch (const program_exception& e) {
    return e.what();  // already "TypeError: ..." as the program's language says it
  } catch (const std::exception& e) {
    return described({}, e.what());
  } catch (...) {
    return handled_type_name();
  }
}

void explain_items(std::string* out, const ledger& l, const std::vector<task_record>& tasks,
                   const task_liveness& live, const std::vector<std::uint32_t>& ids,
                   std::vector<step_no>& steps) {
  bool first = true;
  for (std::uint32_t id : ids) {
    const item_record& r = l[id];
    steps.push_back(r.put_step);
    const task_record* holder = r.fate == fate::queued ? nullptr : &tasks[r.got_by];
    if (holder != nullptr) steps.push_back(r.got_step);
    bool const ended_struck =
        holder != nullptr && r.fate != fate::acked && live.ended(r.got_by) && r.holder_struck;
    if (ended_struck) steps.push_back(holder->fault_step);
    if (out == nullptr) continue;

    std::string& text = *out;
    if (!first) text += "; "sv;
    first = false;
    text += 'i';
    append_number(text, id);
    text += " (put by "sv;
    text += tasks[r.put_by].name;
    text += " at step "sv;
    append_number(text, r.put_step);
    if (holder == nullptr) {
      text += ", never got)"sv;
      continue;
    }
    text += ", got by "sv;
    text += holder->name;
    text += " at step "sv;
    append_number(text, r.got_step);
    if (r.fate == fate::acked) {
      text += ", acknowledged at step "sv;
      append_number(text, r.ack_step);
      text += ')';
    } else if (ended_struck) {
      text += ", held by "sv;
      text += holder->name;
      text += " when it ended: "sv;
      text += holder->fault.text();
      text += " at step "sv;
      append_number(text, holder->fault_step);
      text += ')';
    } else if (live.ended(r.got_by)) {
      text += ", never acknowledged; "sv;
      text += holder->name;
      text += " ended)"sv;
    } else {
      text += ", never acknowledged)"sv;
    }
  }
}

std::vector<item_account> item_accounts(const ledger& l, const std::vector<task_record>& tasks,
                                        const task_liveness& live,
                                        const std::vector<std::uint32_t>& ids) {
  std::vector<item_account> out;
  out.reserve(ids.size());
  for (std::uint32_t id : ids) {
    const item_record& r = l[id];
    item_account& a = out.emplace_back();
    a.id = id;
    a.put_by = tasks[r.put_by].name;
    a.put_step = r.put_step;
    if (r.fate == fate::queued) continue;
    const task_record& holder = tasks[r.got_by];
    a.got_by = holder.name;
    a.got_step = r.got_step;
    if (r.fate != fate::acked && live.ended(r.got_by) && r.holder_struck) {
      a.holder_fault = holder.fault.text();
      a.fault_step = holder.fault_step;
    }
  }
  return out;
}

const std::exception_ptr& struck_fault::exception() const {
  constexpr std::size_t kinds = names_of<fault_kind>::values.size();
  constexpr std::size_t origins = static_cast<std::size_t>(fault_origin::control_event) + 1;
  thread_local std::array<std::exception_ptr, kinds * point_count * origins> made;
  std::exception_ptr& e =
      made[(static_cast<std::size_t>(kind) * point_count + index(point)) * origins +
           static_cast<std::size_t>(origin)];
  if (!e) {
    e = kind == fault_kind::cancel ? std::make_exception_ptr(sim::cancelled_error{})
                                   : std::make_exception_ptr(sim::injected_fault(text()));
  }
  return e;
}

std::string struck_fault::text() const {
  if (origin == fault_origin::control_event) return "cancelled by control event";
  std::string out(name_of(kind));
  out += " at ";
  out += name_of(point);
  out += origin == fault_origin::pinned ? " (pinned)" : " (drawn)";
  return out;
}

}  // namespace chaosq::harness::detail
