// The library behind `crm configure`: crm shell configure commands (crmsh
// 4.4.1 grammar, ../shared/reference/crmsh.md section 2) applied to an
// in-memory CIB, and `show` rendering in crmsh's layout. No I/O: the caller
// reads the CIB, applies commands and commits the result.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "lib/cib/cib.h"

namespace baton::cli {

// Applies one configure command, already split into words as a shell would
// (e.g. {"primitive", "vip", "ocf:heartbeat:IPaddr2", "params", "ip=192.0.2.1",
// "op", "monitor", "interval=10s"}), to `cib`, with the ids crmsh generates.
//
// 1. On error returns InvalidArgument (bad syntax or value), NotFound (a
//    missing resource, node or object), AlreadyExists (a duplicate id) or
//    Unimplemented (a crmsh command baton does not provide here), with a
//    one-line message naming the offending word, and leaves `cib` unchanged.
// 2. A change is applied only if the resulting CIB passes cib::Validate().
// 3. Command names may be abbreviated to an unambiguous prefix; keywords are
//    case-insensitive.
absl::Status ApplyConfigure(const std::vector<std::string>& words, cib::Cib* cib);

// `crm configure show [ID...]`: the configuration (or the named objects) as
// crm shell commands, in crmsh's order and layout. NotFound names an ID that
// matches no object. The output, split with SplitConfigureLine one logical
// line at a time and applied in order to an empty CIB, rebuilds the
// configuration (values of `passw*` parameters excepted: they print as
// "******").
absl::StatusOr<std::string> ShowConfigure(const cib::Cib& cib, const std::vector<std::string>& ids);

// Splits configure text into words as crm's shell does: blanks separate
// words, '...' and "..." quote (with \" \\ escapes inside "..."), a backslash
// outside quotes escapes the next character, backslash-newline continues the
// line, and '#' at the start of a word comments out the rest of the line.
// An unterminated quote is InvalidArgument.
absl::StatusOr<std::vector<std::string>> SplitConfigureLine(const std::string& line);

}  // namespace baton::cli
