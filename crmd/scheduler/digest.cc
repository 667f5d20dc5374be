#include "crmd/scheduler/digest.h"

#include <openssl/evp.h>

#include <cstdio>

namespace baton::scheduler {
namespace {

std::string EscapeAttr(const std::string& v) {
  std::string out;
  for (char c : v) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string ParametersDigest(const std::map<std::string, std::string>& params) {
  std::string text = " <parameters";
  for (const auto& [k, v] : params) text += " " + k + "=\"" + EscapeAttr(v) + "\"";
  text += "/>\n";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_md5(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

}  // namespace baton::scheduler
