#include "tests/support/fake_process_runner.h"

namespace baton::process {

ProcessResult FakeProcessRunner::Exit(int code, std::string err, std::string out) {
  ProcessResult r;
  r.exit_code = code;
  r.stderr_data = std::move(err);
  r.stdout_data = std::move(out);
  return r;
}

ProcessRunner::Handle FakeProcessRunner::Start(const ProcessSpec& spec) {
  Handle h = next_handle_++;
  calls_.push_back(Call{h, spec});
  if (!scripted_.empty()) {
    done_.emplace_back(h, std::move(scripted_.front()));
    scripted_.pop_front();
  } else {
    running_[h] = true;
  }
  return h;
}

bool FakeProcessRunner::Complete(Handle handle, ProcessResult result) {
  if (running_.erase(handle) == 0) return false;
  done_.emplace_back(handle, std::move(result));
  return true;
}

std::vector<std::pair<ProcessRunner::Handle, ProcessResult>> FakeProcessRunner::Collect() {
  std::vector<std::pair<Handle, ProcessResult>> out;
  out.swap(done_);
  return out;
}

std::vector<ProcessRunner::Handle> FakeProcessRunner::running() const {
  std::vector<Handle> out;
  for (const auto& [h, unused] : running_) out.push_back(h);
  return out;
}

}  // namespace baton::process
