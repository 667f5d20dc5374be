// FakeProcessRunner: a ProcessRunner for tests. Records every call (argv,
// environment, timeout) and finishes processes with scripted results, either
// at once (Script) or when the test says so (Complete).
#pragma once

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lib/process/process_runner.h"

namespace baton::process {

class FakeProcessRunner : public ProcessRunner {
 public:
  struct Call {
    Handle handle = 0;
    ProcessSpec spec;
  };

  // The next Start() finishes with `result`, seen by the next Collect().
  // Without a scripted result a process stays running until Complete().
  void Script(ProcessResult result) { scripted_.push_back(std::move(result)); }
  static ProcessResult Exit(int code, std::string err = "", std::string out = "");

  // Finishes a running process. Returns false if `handle` is not running.
  bool Complete(Handle handle, ProcessResult result);

  Handle Start(const ProcessSpec& spec) override;
  std::vector<std::pair<Handle, ProcessResult>> Collect() override;

  const std::vector<Call>& calls() const { return calls_; }
  std::vector<Handle> running() const;

 private:
  Handle next_handle_ = 1;
  std::deque<ProcessResult> scripted_;
  std::vector<Call> calls_;
  std::map<Handle, bool> running_;
  std::vector<std::pair<Handle, ProcessResult>> done_;
};

}  // namespace baton::process
