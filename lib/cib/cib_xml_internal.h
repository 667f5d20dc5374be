// What the reading (cib_xml.cc) and writing (cib_xml_write.cc) halves of the
// CIB XML codec share; internal to baton_cib.
#pragma once

#include <string>

#include "lib/cib/cib.h"

namespace baton::cib::internal {

// pugixml writes a carriage return in text as it is, and reading normalises
// it to a line feed (XML end-of-line handling), so text that held "&#13;"
// would not read back the same. Writing it as "&#13;" keeps it. This is safe
// on pugixml's output: attribute values already escape it, names cannot hold
// it, and CDATA never does (it was normalised when read).
std::string EscapeCr(std::string xml);

// The element name of a constraint kind ("rsc_location", ...).
const char* ConstraintTag(Constraint::Kind k);

}  // namespace baton::cib::internal
