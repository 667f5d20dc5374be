// Replays the fuzz corpus (lib/cib/fuzz_corpus/, kept by cib_xml_fuzz) in
// the ordinary builds: every input must import without crashing, give a
// one-line error or a CIB that survives Validate and writes out to XML that
// reads back to an equal CIB.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "lib/cib/cib_xml.h"

#ifndef BATON_CIB_FUZZ_CORPUS
#error "BATON_CIB_FUZZ_CORPUS must name the corpus directory"
#endif

namespace baton::cib {
namespace {

std::vector<std::filesystem::path> CorpusFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(BATON_CIB_FUZZ_CORPUS)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadAll(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool OneLine(const absl::Status& st) {
  return st.message().find_first_of("\r\n") == std::string_view::npos;
}

TEST(CibCorpus, HasInputs) { EXPECT_GE(CorpusFiles().size(), 5u); }

TEST(CibCorpus, EveryInputImportsOrFailsCleanlyAndRoundTrips) {
  int parsed = 0, rejected = 0;
  for (const auto& file : CorpusFiles()) {
    SCOPED_TRACE(file.filename().string());
    std::string text = ReadAll(file);
    auto cib = ParseCibXml(text);
    if (!cib.ok()) {
      ++rejected;
      EXPECT_TRUE(OneLine(cib.status())) << cib.status();
      continue;
    }
    ++parsed;
    EXPECT_TRUE(OneLine(Validate(*cib)));
    std::string xml = WriteCibXml(*cib);
    auto again = ParseCibXml(xml);
    ASSERT_TRUE(again.ok()) << again.status() << "\n" << xml;
    EXPECT_TRUE(*again == *cib) << "round trip changed the CIB:\n" << xml;
    EXPECT_EQ(WriteCibXml(*again), xml);
  }
  // The corpus holds both kinds; a corpus that only fails would test little.
  EXPECT_GT(parsed, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace baton::cib
