// Node attributes (Pacemaker's attrd): transient ones (lifetime "reboot",
// the CIB status section's transient_attributes; gone when the node leaves)
// and permanent ones (lifetime "forever", the nodes section). Agents write
// them through crm_attribute / attrd_updater / crm_master; rules and
// promotion scores read them.
//
// Core logic only, no I/O: the daemon persists what SerializePermanent()
// returns and feeds it back with LoadPermanent() at start.
//
// Invariants:
//  1. Names and nodes are non-empty and hold no control characters; values
//     hold no control characters (an empty value is a value: attrd_updater -D).
//  2. A rejected call changes nothing.
// Thread-safety: none; the daemon's event loop owns it.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace baton::attrd {

enum class Lifetime { kReboot, kForever };

// "reboot"/"status"/"transient" -> kReboot, "forever"/"nodes"/"permanent" -> kForever.
absl::StatusOr<Lifetime> ParseLifetime(const std::string& text);
const char* LifetimeName(Lifetime l);

class AttributeStore {
 public:
  // node -> name -> value
  using Table = std::map<std::string, std::map<std::string, std::string>>;

  absl::Status Set(const std::string& node, const std::string& name, const std::string& value,
                   Lifetime lifetime);
  // True if something was removed; removing a missing attribute is not an error.
  absl::StatusOr<bool> Delete(const std::string& node, const std::string& name, Lifetime lifetime);
  std::optional<std::string> Get(const std::string& node, const std::string& name,
                                 Lifetime lifetime) const;

  // A node left the membership: its transient attributes are gone.
  void ClearTransient(const std::string& node);
  // All of `node`'s transient attributes, as the node itself sent them.
  // Refused whole (nothing changes) if any name or value is invalid.
  absl::Status ReplaceTransient(const std::string& node, const std::map<std::string, std::string>& values);

  const Table& transient() const { return transient_; }
  const Table& permanent() const { return permanent_; }

  // One "node\tname\tvalue" line per permanent attribute (fields are checked
  // on Set to hold no tab or newline).
  std::string SerializePermanent() const;
  // Replaces the permanent table; on a malformed line changes nothing and
  // names the line.
  absl::Status LoadPermanent(const std::string& text);

 private:
  Table& TableFor(Lifetime l) { return l == Lifetime::kReboot ? transient_ : permanent_; }
  const Table& TableFor(Lifetime l) const { return l == Lifetime::kReboot ? transient_ : permanent_; }

  Table transient_;
  Table permanent_;
};

}  // namespace baton::attrd
