#include "crmd/attrd/attrd.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace baton::attrd {
namespace {

bool HasControl(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

absl::Status CheckKey(const std::string& node, const std::string& name) {
  if (node.empty()) return absl::InvalidArgumentError("node name is empty");
  if (name.empty()) return absl::InvalidArgumentError("attribute name is empty");
  if (HasControl(node)) return absl::InvalidArgumentError("node name holds a control character");
  if (HasControl(name)) {
    return absl::InvalidArgumentError(absl::StrCat("attribute name '", name, "' holds a control character"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Lifetime> ParseLifetime(const std::string& text) {
  if (text == "reboot" || text == "status" || text == "transient") return Lifetime::kReboot;
  if (text == "forever" || text == "nodes" || text == "permanent") return Lifetime::kForever;
  return absl::InvalidArgumentError(
      absl::StrCat("lifetime '", text, "' is neither 'reboot' nor 'forever'"));
}

const char* LifetimeName(Lifetime l) { return l == Lifetime::kReboot ? "reboot" : "forever"; }

absl::Status AttributeStore::Set(const std::string& node, const std::string& name,
                                 const std::string& value, Lifetime lifetime) {
  if (auto st = CheckKey(node, name); !st.ok()) return st;
  if (HasControl(value)) {
    return absl::InvalidArgumentError(absl::StrCat("value of '", name, "' holds a control character"));
  }
  TableFor(lifetime)[node][name] = value;
  return absl::OkStatus();
}

absl::StatusOr<bool> AttributeStore::Delete(const std::string& node, const std::string& name,
                                            Lifetime lifetime) {
  if (auto st = CheckKey(node, name); !st.ok()) return st;
  Table& t = TableFor(lifetime);
  auto it = t.find(node);
  if (it == t.end() || it->second.erase(name) == 0) return false;
  if (it->second.empty()) t.erase(it);
  return true;
}

std::optional<std::string> AttributeStore::Get(const std::string& node, const std::string& name,
                                               Lifetime lifetime) const {
  const Table& t = TableFor(lifetime);
  auto it = t.find(node);
  if (it == t.end()) return std::nullopt;
  auto v = it->second.find(name);
  if (v == it->second.end()) return std::nullopt;
  return v->second;
}

void AttributeStore::ClearTransient(const std::string& node) { transient_.erase(node); }

absl::Status AttributeStore::ReplaceTransient(const std::string& node,
                                              const std::map<std::string, std::string>& values) {
  AttributeStore checked;
  for (const auto& [name, value] : values) {
    if (auto st = checked.Set(node, name, value, Lifetime::kReboot); !st.ok()) return st;
  }
  if (values.empty()) {
    transient_.erase(node);
  } else {
    transient_[node] = values;
  }
  return absl::OkStatus();
}

std::string AttributeStore::SerializePermanent() const {
  std::string out;
  for (const auto& [node, attrs] : permanent_) {
    for (const auto& [name, value] : attrs) absl::StrAppend(&out, node, "\t", name, "\t", value, "\n");
  }
  return out;
}

absl::Status AttributeStore::LoadPermanent(const std::string& text) {
  Table loaded;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() != 3) {
      return absl::DataLossError(absl::StrCat("line ", line_no, ": expected node<TAB>name<TAB>value"));
    }
    if (auto st = CheckKey(f[0], f[1]); !st.ok()) {
      return absl::DataLossError(absl::StrCat("line ", line_no, ": ", st.message()));
    }
    loaded[f[0]][f[1]] = f[2];
  }
  permanent_ = std::move(loaded);
  return absl::OkStatus();
}

}  // namespace baton::attrd
