// libFuzzer target for the CIB XML import (built with -DBATON_FUZZ=ON and
// clang). For any input: parsing must not crash, hang or trip a sanitizer; an
// error is one line; a CIB that parses survives Validate, and writing it out
// and reading it back gives an equal CIB that writes out the same text.
//
//   build/bin/cib_xml_fuzz -max_len=4096 lib/cib/fuzz_corpus
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/cib/cib_xml.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "cib_xml_fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void CheckOneLine(const absl::Status& st) {
  if (!st.ok() && st.message().find_first_of("\r\n") != std::string_view::npos) {
    Fail("error message is more than one line", std::string(st.message()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto cib = baton::cib::ParseCibXml(input);
  CheckOneLine(cib.status());
  if (!cib.ok()) return 0;
  CheckOneLine(baton::cib::Validate(*cib));

  std::string xml = baton::cib::WriteCibXml(*cib);
  auto again = baton::cib::ParseCibXml(xml);
  if (!again.ok()) Fail("written CIB does not parse", std::string(again.status().message()) + "\n" + xml);
  if (!(*again == *cib)) Fail("round trip changed the CIB", xml);
  std::string xml2 = baton::cib::WriteCibXml(*again);
  if (xml2 != xml) Fail("writing is not stable", xml + "\n----\n" + xml2);
  return 0;
}
