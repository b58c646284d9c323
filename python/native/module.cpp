// chaosq._native: the C++ side of the Python front-end, on CPython's C API (no binding library:
// Debian's pybind11 predates CPython 3.13).
//
// Two things cross the boundary:
// - `main(argv, resolver)` runs chaosq's own command line (chaosq::cli::run) over a registry
//   whose programs of mode python resolve through `resolver`, so `python3 -m chaosq` is the same
//   command, with the same options, reports, tokens and exit statuses, as the C++ `chaosq`.
// - `Run`: one observed run (chaosq/harness/observed.hpp), handed to the Python runner for each
//   schedule: the runner reports its tasks' events to it and obeys its decisions.

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "chaosq/cli/cli.hpp"
#include "chaosq/harness/names.hpp"
#include "chaosq/harness/observed.hpp"
#include "chaosq/harness/registry.hpp"

namespace {

using chaosq::harness::observed_run;
using chaosq::harness::observed_task;

// ---- small conversions ----

/// Whether `value` is a chaosq.UsageError: the program cannot run under chaosq.
bool is_usage_error(PyObject* value) {
  PyObject* errors = PyImport_ImportModule("chaosq._errors");
  if (errors == nullptr) {
    PyErr_Clear();
    return false;
  }
  PyObject* usage = PyObject_GetAttrString(errors, "UsageError");
  Py_DECREF(errors);
  if (usage == nullptr) {
    PyErr_Clear();
    return false;
  }
  int const is = PyObject_IsInstance(value, usage);
  Py_DECREF(usage);
  if (is < 0) PyErr_Clear();
  return is == 1;
}

/// A Python exception, as the C++ error that carries it through chaosq: a chaosq.UsageError is
/// bad input (the program cannot run under chaosq), anything else an internal error.
[[noreturn]] void throw_python_error() {
  PyObject* type = nullptr;
  PyObject* value = nullptr;
  PyObject* traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  if (value != nullptr && is_usage_error(value)) {
    PyObject* str = PyObject_Str(value);
    std::string text = str != nullptr ? PyUnicode_AsUTF8(str) : "a chaosq.UsageError";
    Py_XDECREF(str);
    PyErr_Clear();
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(traceback);
    throw chaosq::harness::program_refused(text);
  }
  std::string text = "a Python exception";
  if (value != nullptr) {
    PyObject* name =
        PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(value)), "__qualname__");
    PyObject* str = PyObject_Str(value);
    if (name != nullptr && str != nullptr) {
      text = std::string(PyUnicode_AsUTF8(name)) + ": " + PyUnicode_AsUTF8(str);
    }
    Py_XDECREF(name);
    Py_XDECREF(str);
  }
  PyErr_Clear();
  Py_XDECREF(type);
  Py_XDECREF(value);
  Py_XDECREF(traceback);
  throw std::runtime_error("the Python runner raised " + text);
}

/// A Python str as a view of its UTF-8 bytes (valid as long as the object lives).
std::optional<std::string_view> text_of(PyObject* o) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(o, &size);
  if (data == nullptr) return std::nullopt;
  return std::string_view(data, static_cast<std::size_t>(size));
}

template <class Enum>
std::optional<Enum> enum_of(PyObject* o, const char* what) {
  std::optional<std::string_view> const text = text_of(o);
  if (!text) return std::nullopt;
  std::optional<Enum> const value = chaosq::harness::parse_name<Enum>(*text);
  if (!value) PyErr_Format(PyExc_ValueError, "chaosq: unknown %s '%U'", what, o);
  return value;
}

// ---- Run ----

struct run_object {
  PyObject_HEAD observed_run* run;  // null once its schedule is over
  observed_task outside;            // the task of events from outside any task; UINT32_MAX: not yet
  chaosq::harness::observed_queue_state queue;
  std::vector<std::uint32_t> ready;  // pick's scratch
};

bool check_alive(run_object* self) {
  if (self->run != nullptr) return true;
  PyErr_SetString(PyExc_RuntimeError, "chaosq: this run is over");
  return false;
}

/// Argument `i` as a task: -1 is "outside any task" (a task of its own, added when first used).
bool task_arg(run_object* self, PyObject* const* args, Py_ssize_t i, observed_task& out) {
  long const t = PyLong_AsLong(args[i]);
  if (t == -1 && PyErr_Occurred()) return false;
  if (t == -1) {
    if (self->outside == UINT32_MAX) self->outside = self->run->add_task("(outside)");
    out = self->outside;
    return true;
  }
  out = static_cast<observed_task>(t);
  return true;
}

bool int_arg(PyObject* const* args, Py_ssize_t i, long long& out) {
  out = PyLong_AsLongLong(args[i]);
  return !(out == -1 && PyErr_Occurred());
}

bool arity(Py_ssize_t n, Py_ssize_t want, const char* name) {
  if (n == want) return true;
  PyErr_Format(PyExc_TypeError, "Run.%s takes %zd argument(s), %zd given", name, want, n);
  return false;
}

#define CHAOSQ_METHOD(name, n)                                                 \
  PyObject* run_##name(PyObject* o, PyObject* const* args, Py_ssize_t nargs) { \
    auto* self = reinterpret_cast<run_object*>(o);                             \
    if (!check_alive(self) || !arity(nargs, n, #name)) return nullptr;         \
    observed_run& run = *self->run;                                            \
    (void)run;                                                                 \
    (void)args;

#define CHAOSQ_END }

// clang-format off
CHAOSQ_METHOD(pick, 1)
  PyObject* seq = PySequence_Fast(args[0], "Run.pick takes a sequence of task ids");
  if (seq == nullptr) return nullptr;
  Py_ssize_t const n = PySequence_Fast_GET_SIZE(seq);
  PyObject** items = PySequence_Fast_ITEMS(seq);
  self->ready.clear();
  for (Py_ssize_t i = 0; i < n; ++i) {
    observed_task id = 0;
    if (!task_arg(self, items + i, 0, id)) {
      Py_DECREF(seq);
      return nullptr;
    }
    self->ready.push_back(id);
  }
  Py_DECREF(seq);
  return PyLong_FromUnsignedLong(run.pick_ready(self->ready));
CHAOSQ_END

CHAOSQ_METHOD(choose, 1)
  long long n = 0;
  if (!int_arg(args, 0, n)) return nullptr;
  if (n < 1 || n > UINT32_MAX) return PyErr_Format(PyExc_ValueError, "Run.choose: n is %lld", n);
  return PyLong_FromUnsignedLong(run.choose(static_cast<std::uint32_t>(n)));
CHAOSQ_END

CHAOSQ_METHOD(add_task, 1)
  std::optional<std::string_view> const name = text_of(args[0]);
  if (!name) return nullptr;
  return PyLong_FromUnsignedLong(run.add_task(std::string(*name)));
CHAOSQ_END

CHAOSQ_METHOD(task_ended, 1)
  observed_task t = 0;
  if (!task_arg(self, args, 0, t)) return nullptr;
  run.task_ended(t);
  Py_RETURN_NONE;
CHAOSQ_END

CHAOSQ_METHOD(woken, 1)
  observed_task t = 0;
  if (!task_arg(self, args, 0, t)) return nullptr;
  run.woken(t);
  Py_RETURN_NONE;
CHAOSQ_END

CHAOSQ_METHOD(suspended_at, 2)
  observed_task t = 0;
  if (!task_arg(self, args, 0, t)) return nullptr;
  std::optional<std::string_view> const where = text_of(args[1]);
  if (!where) return nullptr;
  run.suspended_at(t, *where);
  Py_RETURN_NONE;
CHAOSQ_END

CHAOSQ_METHOD(begin_step, 1)
  observed_task t = 0;
  if (!task_arg(self, args, 0, t)) return nullptr;
  run.begin_step(t);
  Py_RETURN_NONE;
CHAOSQ_END

/// end_step([count]): without the count, the last one an event reported.
PyObject* run_end_step(PyObject* o, PyObject* const* args, Py_ssize_t nargs) {
  auto* self = reinterpret_cast<run_object*>(o);
  if (!check_alive(self)) return nullptr;
  if (nargs > 1) return PyErr_Format(PyExc_TypeError, "Run.end_step takes at most 1 argument");
  std::optional<std::int64_t> count;
  if (nargs == 1) {
    long long given = 0;
    if (!int_arg(args, 0, given)) return nullptr;
    count = given;
  }
  return PyBool_FromLong(self->run->end_step(count) ? 1 : 0);
}

PyObject* run_between_steps(PyObject* o, PyObject* /*unused*/) {
  auto* self = reinterpret_cast<run_object*>(o);
  if (!check_alive(self)) return nullptr;
  std::span<const chaosq::harness::observed_action> const actions = self->run->between_steps();
  PyObject* list = PyList_New(static_cast<Py_ssize_t>(actions.size()));
  if (list == nullptr) return nullptr;
  for (std::size_t i = 0; i < actions.size(); ++i) {
    const chaosq::harness::observed_action& a = actions[i];
    using kind = chaosq::harness::observed_action::kind;
    PyObject* item = nullptr;
    switch (a.what) {
      case kind::cancel:
        item = Py_BuildValue("(sI)", "cancel", a.task);
        break;
      case kind::crash:
        item = Py_BuildValue("(sI)", "crash", a.task);
        break;
      case kind::shutdown:
        item = Py_BuildValue("(sO)", "shutdown", a.immediate ? Py_True : Py_False);
        break;
    }
    if (item == nullptr) {
      Py_DECREF(list);
      return nullptr;
    }
    PyList_SET_ITEM(list, static_cast<Py_ssize_t>(i), item);
  }
  return list;
}

CHAOSQ_METHOD(visit, 2)
  observed_task t = 0;
  if (!task_arg(self, args, 0, t)) return nullptr;
  std::optional<chaosq::harness::fault_point> const p =
      enum_of<chaosq::harness::fault_point>(args[1], "fault point");
  if (!p) return nullptr;
  std::optional<chaosq::harness::fault_kind> const struck = run.visit(t, *p);
  if (!struck) Py_RETURN_NONE;
  return PyUnicode_FromString(std::string(chaosq::harness::name_of(*struck)).c_str());
CHAOSQ_END

CHAOSQ_METHOD(queue_made, 2)
  std::optional<chaosq::queue::queue_kind> const kind =
      enum_of<chaosq::queue::queue_kind>(args[0], "queue kind");
  if (!kind) return nullptr;
  long long maxsize = 0;
  if (!int_arg(args, 1, maxsize)) return nullptr;
  run.queue_made(*kind, maxsize);
  Py_RETURN_NONE;
CHAOSQ_END

PyObject* run_new_item(PyObject* o, PyObject* /*unused*/) {
  auto* self = reinterpret_cast<run_object*>(o);
  if (!check_alive(self)) return nullptr;
  return PyLong_FromUnsignedLong(self->run->new_item());
}

CHAOSQ_METHOD(begin_wait, 2)
  observed_task t = 0;
  if (!task_arg(self, args, 0, t)) return nullptr;
  std::optional<std::string_view> const kind = text_of(args[1]);
  if (!kind) return nullptr;
  using chaosq::harness::wait_kind;
  if (*kind == "get") {
    run.begin_wait(t, wait_kind::get);
  } else if (*kind == "put") {
    run.begin_wait(t, wait_kind::put);
  } else if (*kind == "join") {
    run.begin_wait(t, wait_kind::join);
  } else {
    return PyErr_Format(PyExc_ValueError, "Run.begin_wait: '%U' is not get, put or join", args[1]);
  }
  Py_RETURN_NONE;
CHAOSQ_END

CHAOSQ_METHOD(end_wait, 1)
  observed_task t = 0;
  if (!task_arg(self, args, 0, t)) return nullptr;
  run.end_wait(t);
  Py_RETURN_NONE;
CHAOSQ_END

/// put and got: (task, item, count).
template <void (observed_run::*Event)(observed_task, std::uint32_t, std::int64_t)>
PyObject* item_event(PyObject* o, PyObject* const* args, Py_ssize_t nargs) {
  auto* self = reinterpret_cast<run_object*>(o);
  if (!check_alive(self) || !arity(nargs, 3, "put/got")) return nullptr;
  observed_task t = 0;
  long long id = 0;
  long long count = 0;
  if (!task_arg(self, args, 0, t) || !int_arg(args, 1, id) || !int_arg(args, 2, count))
    return nullptr;
  (self->run->*Event)(t, static_cast<std::uint32_t>(id), count);
  Py_RETURN_NONE;
}

CHAOSQ_METHOD(acked, 3)
  observed_task t = 0;
  long long count = 0;
  if (!task_arg(self, args, 0, t) || !int_arg(args, 1, count)) return nullptr;
  int const refused = PyObject_IsTrue(args[2]);
  if (refused < 0) return nullptr;
  return PyLong_FromLongLong(run.acked(t, count, refused != 0));
CHAOSQ_END

CHAOSQ_METHOD(join_called, 2)
  observed_task t = 0;
  long long count = 0;
  if (!task_arg(self, args, 0, t) || !int_arg(args, 1, count)) return nullptr;
  run.join_called(t, count);
  Py_RETURN_NONE;
CHAOSQ_END

CHAOSQ_METHOD(join_returned, 1)
  observed_task t = 0;
  if (!task_arg(self, args, 0, t)) return nullptr;
  run.join_returned(t);
  Py_RETURN_NONE;
CHAOSQ_END

// clang-format on

/// join_timed_out(t[, after_seconds]): the deadline, in virtual seconds.
PyObject* run_join_timed_out(PyObject* o, PyObject* const* args, Py_ssize_t nargs) {
  auto* self = reinterpret_cast<run_object*>(o);
  if (!check_alive(self)) return nullptr;
  if (nargs < 1 || nargs > 2) {
    return PyErr_Format(PyExc_TypeError, "Run.join_timed_out takes 1 or 2 arguments");
  }
  observed_task t = 0;
  if (!task_arg(self, args, 0, t)) return nullptr;
  double seconds = 0;
  if (nargs == 2) {
    seconds = PyFloat_AsDouble(args[1]);
    if (seconds == -1.0 && PyErr_Occurred()) return nullptr;
  }
  double const ms = std::clamp(seconds * 1000.0, 0.0, 4'294'967'295.0);
  self->run->join_timed_out(t, static_cast<std::uint32_t>(std::lround(ms)));
  Py_RETURN_NONE;
}

// clang-format off

// clang-format on

/// shutdown(immediate[, origin]): origin "program" by default.
PyObject* run_shutdown(PyObject* o, PyObject* const* args, Py_ssize_t nargs) {
  auto* self = reinterpret_cast<run_object*>(o);
  if (!check_alive(self)) return nullptr;
  if (nargs < 1 || nargs > 2)
    return PyErr_Format(PyExc_TypeError, "Run.shutdown takes 1 or 2 arguments");
  int const immediate = PyObject_IsTrue(args[0]);
  if (immediate < 0) return nullptr;
  std::optional<std::string_view> const origin = nargs == 2 ? text_of(args[1]) : "program";
  if (!origin) return nullptr;
  self->run->shutdown(immediate != 0, *origin);
  Py_RETURN_NONE;
}

/// task_error(t, text), or task_error(t, where, item, text): `where` is "program" (the root
/// coroutine raised) or the queue call that raised what its contract does not allow ("get",
/// "put", "put_nowait", "get_nowait", "task_done", "join").
PyObject* run_task_error(PyObject* o, PyObject* const* args, Py_ssize_t nargs) {
  auto* self = reinterpret_cast<run_object*>(o);
  if (!check_alive(self)) return nullptr;
  if (nargs != 2 && nargs != 4)
    return PyErr_Format(PyExc_TypeError, "Run.task_error takes 2 or 4 arguments");
  observed_task t = 0;
  if (!task_arg(self, args, 0, t)) return nullptr;
  std::optional<std::string_view> const text = text_of(args[nargs - 1]);
  if (!text) return nullptr;
  std::optional<std::string_view> const where =
      nargs == 4 ? text_of(args[1]) : std::optional<std::string_view>("program");
  if (!where) return nullptr;
  if (*where == "program") {
    self->run->task_error(t, *text);
    Py_RETURN_NONE;
  }
  long long item = -1;
  if (!int_arg(args, 2, item)) return nullptr;
  if (!self->run->queue_raised(t, *where, item, *text)) {
    return PyErr_Format(PyExc_ValueError, "Run.task_error: '%U' is not program nor a queue call",
                        args[1]);
  }
  Py_RETURN_NONE;
}

// clang-format off

CHAOSQ_METHOD(note, 4)
  if (!run.tracing()) Py_RETURN_NONE;
  observed_task t = 0;
  long long item = 0;
  if (!task_arg(self, args, 0, t) || !int_arg(args, 2, item)) return nullptr;
  std::optional<std::string_view> const operation = text_of(args[1]);
  std::optional<std::string_view> const outcome = text_of(args[3]);
  if (!operation || !outcome) return nullptr;
  run.note(t, *operation, item, *outcome);
  Py_RETURN_NONE;
CHAOSQ_END

CHAOSQ_METHOD(queue_state, 3)
  long long count = 0;
  long long qsize = 0;
  if (!int_arg(args, 0, count) || !int_arg(args, 1, qsize)) return nullptr;
  int const shut_down = PyObject_IsTrue(args[2]);
  if (shut_down < 0) return nullptr;
  self->queue = {count, static_cast<std::size_t>(qsize < 0 ? 0 : qsize), shut_down != 0};
  Py_RETURN_NONE;
CHAOSQ_END

CHAOSQ_METHOD(finish, 1)
  std::optional<std::string_view> const end = text_of(args[0]);
  if (!end) return nullptr;
  using chaosq::harness::run_end;
  run_end e = run_end::complete;
  if (*end == "complete") {
    e = run_end::complete;
  } else if (*end == "quiescent") {
    e = run_end::quiescent;
  } else if (*end == "step-budget") {
    e = run_end::step_budget;
  } else if (*end == "violation") {
    e = run_end::violation;
  } else {
    return PyErr_Format(PyExc_ValueError,
                        "Run.finish: '%U' is not complete, quiescent, step-budget or violation",
                        args[0]);
  }
  if (run.finished()) return PyErr_Format(PyExc_RuntimeError, "Run.finish: called twice");
  run.finish(e, self->queue);
  Py_RETURN_NONE;
CHAOSQ_END

// clang-format on

#undef CHAOSQ_METHOD
#undef CHAOSQ_END

#define CHAOSQ_FAST(name, doc)                                                         \
  {                                                                                    \
#name, reinterpret_cast < PyCFunction>(reinterpret_cast <void (*)()>(run_##name)), \
        METH_FASTCALL, doc                                                             \
  }

PyMethodDef run_methods[] = {
    CHAOSQ_FAST(pick, "pick(ready_task_ids) -> index of the ready callback to run (0: asyncio's)"),
    CHAOSQ_FAST(choose, "choose(n) -> a value in [0, n) for the program"),
    CHAOSQ_FAST(add_task, "add_task(name) -> task id"),
    CHAOSQ_FAST(task_ended, "task_ended(t)"),
    CHAOSQ_FAST(woken, "woken(t): t's wait ended, its result is on its way"),
    CHAOSQ_FAST(suspended_at, "suspended_at(t, where): where t waits now, for the trace"),
    {"where", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(run_suspended_at)),
     METH_FASTCALL, "where(t, text): the same as suspended_at"},
    CHAOSQ_FAST(begin_step, "begin_step(t)"),
    CHAOSQ_FAST(end_step, "end_step(count) -> False when the run has its verdict"),
    {"between_steps", run_between_steps, METH_NOARGS,
     "between_steps() -> [('cancel', t) | ('crash', t) | ('shutdown', immediate)]"},
    CHAOSQ_FAST(visit, "visit(t, point) -> None, 'crash' or 'cancel'"),
    CHAOSQ_FAST(queue_made, "queue_made(kind, maxsize)"),
    {"new_item", run_new_item, METH_NOARGS, "new_item() -> item id"},
    CHAOSQ_FAST(begin_wait, "begin_wait(t, 'get' | 'put' | 'join')"),
    CHAOSQ_FAST(end_wait, "end_wait(t): its wait ended without a result"),
    {"put",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&item_event<&observed_run::put>)),
     METH_FASTCALL, "put(t, item, count)"},
    {"got",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&item_event<&observed_run::got>)),
     METH_FASTCALL, "got(t, item, count)"},
    CHAOSQ_FAST(acked, "acked(t, count, refused) -> the item acknowledged, or -1"),
    CHAOSQ_FAST(join_called, "join_called(t, count)"),
    CHAOSQ_FAST(join_returned, "join_returned(t)"),
    CHAOSQ_FAST(join_timed_out, "join_timed_out(t)"),
    CHAOSQ_FAST(shutdown, "shutdown(immediate, origin)"),
    CHAOSQ_FAST(task_error, "task_error(t, text)"),
    CHAOSQ_FAST(note, "note(t, operation, item, outcome): a trace line"),
    CHAOSQ_FAST(queue_state, "queue_state(count, qsize, shut_down): the queue as the run ends"),
    CHAOSQ_FAST(finish, "finish('complete' | 'quiescent' | 'step-budget' | 'violation')"),
    {nullptr, nullptr, 0, nullptr},
};

#undef CHAOSQ_FAST

PyObject* run_get_step_budget(PyObject* o, void* /*unused*/) {
  auto* self = reinterpret_cast<run_object*>(o);
  if (!check_alive(self)) return nullptr;
  return PyLong_FromUnsignedLongLong(self->run->step_budget());
}

PyObject* run_get_trace(PyObject* o, void* /*unused*/) {
  auto* self = reinterpret_cast<run_object*>(o);
  if (!check_alive(self)) return nullptr;
  return PyBool_FromLong(self->run->tracing() ? 1 : 0);
}

PyGetSetDef run_getset[] = {
    {"step_budget", run_get_step_budget, nullptr, "the most steps the run may take", nullptr},
    {"trace", run_get_trace, nullptr, "whether the run is traced (note() is kept)", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

void run_dealloc(PyObject* o) {
  reinterpret_cast<run_object*>(o)->ready.~vector();
  Py_TYPE(o)->tp_free(o);
}

PyTypeObject run_type = [] {
  PyTypeObject t{PyVarObject_HEAD_INIT(nullptr, 0)};
  t.tp_name = "chaosq._native.Run";
  t.tp_basicsize = sizeof(run_object);
  t.tp_flags = Py_TPFLAGS_DEFAULT;
  t.tp_doc = "One schedule of a Python program under chaosq: report events, obey decisions.";
  t.tp_methods = run_methods;
  t.tp_getset = run_getset;
  t.tp_dealloc = run_dealloc;
  return t;
}();

/// A Run for `run`, usable until `retire`.
PyObject* make_run(observed_run& run) {
  auto* self = PyObject_New(run_object, &run_type);
  if (self == nullptr) return nullptr;
  self->run = &run;
  self->outside = UINT32_MAX;
  self->queue = {};
  new (&self->ready) std::vector<std::uint32_t>();
  return reinterpret_cast<PyObject*>(self);
}

// ---- programs by name ----

/// What runs the program of `w`, through the Python `resolver`: `resolver.resolve(name,
/// shutdown)` (the workload's shutdown allowance, which needs Python 3.13) returns
/// `(runner, problem)`, `runner(run)` runs one schedule.
chaosq::harness::program_binding resolve(PyObject* resolver, const chaosq::harness::workload& w) {
  std::string const shutdown(chaosq::harness::name_of(w.faults.shutdown));
  PyObject* answer =
      PyObject_CallMethod(resolver, "resolve", "ss", w.program.text.c_str(), shutdown.c_str());
  if (answer == nullptr) throw_python_error();
  PyObject* runner = nullptr;
  const char* problem = nullptr;
  if (!PyArg_ParseTuple(answer, "Oz", &runner, &problem)) {
    Py_DECREF(answer);
    throw_python_error();
  }
  chaosq::harness::program_binding binding;
  if (problem != nullptr) {
    binding.problem = problem;
  } else {
    Py_INCREF(runner);
    // The runner lives as long as a copy of the function does: copies share one reference.
    std::shared_ptr<PyObject> const owned(runner, [](PyObject* r) { Py_DECREF(r); });
    binding.run = [owned](observed_run& run) {
      PyObject* handle = make_run(run);
      if (handle == nullptr) throw_python_error();
      PyObject* result = PyObject_CallOneArg(owned.get(), handle);
      reinterpret_cast<run_object*>(handle)->run = nullptr;
      Py_DECREF(handle);
      if (result == nullptr) throw_python_error();
      Py_DECREF(result);
    };
  }
  Py_DECREF(answer);
  return binding;
}

PyObject* native_main(PyObject* /*module*/, PyObject* args) {
  PyObject* argv_list = nullptr;
  PyObject* resolver = nullptr;
  if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &argv_list, &resolver)) return nullptr;
  std::vector<std::string> words;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(argv_list); ++i) {
    std::optional<std::string_view> const word = text_of(PyList_GET_ITEM(argv_list, i));
    if (!word) return nullptr;
    words.emplace_back(*word);
  }
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  chaosq::harness::registry registry = chaosq::harness::builtin_registry();
  registry.set_program_resolver(
      [resolver](const chaosq::harness::workload& w) { return resolve(resolver, w); });
  int const status = chaosq::cli::run(static_cast<int>(words.size()), argv.data(), registry);
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);  // the command prints with both iostreams and stdio
  return PyLong_FromLong(status);
}

PyMethodDef module_methods[] = {
    {"main", native_main, METH_VARARGS,
     "main(argv, resolver) -> exit status: chaosq's command line, with Python programs run "
     "through resolver.resolve(name) -> (runner, problem)"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "chaosq._native",
    "chaosq's engine for Python programs: its command line and observed runs.",
    -1,
    module_methods,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

}  // namespace

PyMODINIT_FUNC PyInit__native() {
  if (PyType_Ready(&run_type) < 0) return nullptr;
  PyObject* m = PyModule_Create(&module_def);
  if (m == nullptr) return nullptr;
  Py_INCREF(&run_type);
  if (PyModule_AddObject(m, "Run", reinterpret_cast<PyObject*>(&run_type)) < 0) {
    Py_DECREF(&run_type);
    Py_DECREF(m);
    return nullptr;
  }
  return m;
}
