// Stonith primitives and fencing levels out of a CIB.
#include "fencing/devices_file.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/cib/cib_xml.h"

namespace baton::fencing {
namespace {

void CollectStonith(const cib::Resource& r, std::vector<DeviceConfig>* out) {
  if (r.kind == cib::Resource::Kind::kPrimitive && r.cls == "stonith") {
    DeviceConfig d{r.id, r.type, {}};
    for (const auto& set : r.instance) {
      for (const auto& p : set.pairs) {
        if (p.value && !d.params.count(p.name)) d.params[p.name] = *p.value;  // first set wins
      }
    }
    out->push_back(std::move(d));
  }
  for (const auto& c : r.children) CollectStonith(c, out);
}

}  // namespace

absl::StatusOr<DevicesFile> DevicesFromCib(const cib::Cib& cib) {
  DevicesFile f;
  for (const auto& r : cib.configuration.resources) CollectStonith(r, &f.devices);
  for (const auto& l : cib.configuration.fencing_topology) {
    auto get = [&](const char* k) {
      auto it = l.attrs.find(k);
      return it == l.attrs.end() ? std::string() : it->second;
    };
    if (!get("target-attribute").empty()) {
      return absl::InvalidArgumentError(absl::StrCat("fencing-level '", l.id,
                                                     "': target-attribute is not supported by baton-fenced; "
                                                     "use target or target-pattern"));
    }
    TopologyLevel level;
    if (!absl::SimpleAtoi(get("index"), &level.index)) {
      return absl::InvalidArgumentError(absl::StrCat("fencing-level '", l.id, "': index='", get("index"),
                                                     "' is not a number 1..9"));
    }
    level.target = get("target");
    level.target_pattern = get("target-pattern");
    for (absl::string_view d : absl::StrSplit(get("devices"), ',', absl::SkipWhitespace())) {
      level.devices.emplace_back(absl::StripAsciiWhitespace(d));
    }
    f.levels.push_back(std::move(level));
  }
  return f;
}

absl::StatusOr<DevicesFile> ReadDevicesFile(const std::string& path) {
  auto cib = cib::ReadCibFile(path);
  if (!cib.ok()) return cib.status();
  auto f = DevicesFromCib(*cib);
  if (!f.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", f.status().message()));
  return f;
}

}  // namespace baton::fencing
