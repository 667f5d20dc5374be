// The fencer's start-up devices and topology, read from a Pacemaker CIB XML
// file (--devices): every <primitive class="stonith"> with its
// instance_attributes, and <fencing-topology>.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fencing/engine.h"
#include "lib/cib/cib.h"

namespace baton::fencing {

struct DeviceConfig {
  std::string id;
  std::string agent;
  std::map<std::string, std::string> params;
};

struct DevicesFile {
  std::vector<DeviceConfig> devices;
  std::vector<TopologyLevel> levels;
};

// Levels with target-attribute are refused: the fencer does not see node
// attributes (use target or target-pattern).
absl::StatusOr<DevicesFile> DevicesFromCib(const cib::Cib& cib);
absl::StatusOr<DevicesFile> ReadDevicesFile(const std::string& path);

}  // namespace baton::fencing
