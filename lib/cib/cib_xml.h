// Import and export of Pacemaker CIB XML (the <cib> document of cibadmin -Q,
// crm_simulate -x and the scheduler corpus), including the older forms:
// <master>, role="Master"/"Slave", lowercase role values, underscored option
// names. Import resolves id-ref indirections and rejects what it does not
// know, naming the element and its line.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "lib/cib/cib.h"

namespace baton::cib {

// Parses a whole <cib> document. Errors are one line naming what was wrong
// and where ("line 12: unknown element <foo> in <rsc_location id='l1'> (line
// 11)"). Nesting deeper than 256 elements, and id-refs that copy too much or
// loop, are refused.
absl::StatusOr<Cib> ParseCibXml(std::string_view xml);

// Reads and parses a file; the error names the file.
absl::StatusOr<Cib> ReadCibFile(const std::string& path);

// Writes a <cib> document that ParseCibXml reads back to an equal Cib.
std::string WriteCibXml(const Cib& cib);

// Checks references between parts: constraints, sets, tags and fencing
// levels must name resources/nodes/devices that exist; ids must be unique.
// Returns the first problem found, with the line it came from where the part
// was read from XML ("line 9: <rsc_order id='o'>: then='x' names no resource").
absl::Status Validate(const Cib& cib);

}  // namespace baton::cib
