// What the contract states, read from its own comments (a descriptor set
// with source info, made at build time): issue 21, item 1. Every string and
// every list a request can carry states its maximum, so an app developer
// knows the limit before meeting the error; the rules enforce each one, and
// tests/reliability/contract_robustness_test sends oversized values to all.

#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"

namespace gracilis {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptorSet;

// "at most 64", "up to 300", "1-64 characters", "10-128 chars",
// "Output only" (ignored in requests).
const std::regex& StatesMaximum() {
  static const std::regex re(
      "(at most|up to) [0-9,]+|[0-9]+-[0-9,]+ "
      "(characters|chars|bytes|items)|output only",
      std::regex::icase);
  return re;
}

std::string CommentOf(const FieldDescriptor& field) {
  google::protobuf::SourceLocation where;
  field.GetSourceLocation(&where);
  std::string text = where.leading_comments + " " + where.trailing_comments;
  // One line: a statement may wrap ("at\n most 64").
  std::string flat;
  for (char c : text) {
    const bool space = c == '\n' || c == ' ' || c == '\t';
    if (!(space && (flat.empty() || flat.back() == ' '))) {
      flat += space ? ' ' : c;
    }
  }
  return flat;
}

void Walk(const Descriptor& message, std::set<std::string>& seen,
          std::vector<std::string>& unstated, int& fields) {
  if (!seen.insert(message.full_name()).second ||
      message.file()->package().rfind("gracilis.", 0) != 0) {
    return;
  }
  for (int i = 0; i < message.field_count(); ++i) {
    const FieldDescriptor& field = *message.field(i);
    if (field.type() == FieldDescriptor::TYPE_MESSAGE) {
      Walk(*field.message_type(), seen, unstated, fields);
    }
    if (field.is_repeated() || field.type() == FieldDescriptor::TYPE_STRING ||
        field.type() == FieldDescriptor::TYPE_BYTES) {
      ++fields;
      if (!std::regex_search(CommentOf(field), StatesMaximum())) {
        unstated.push_back(field.full_name());
      }
    }
  }
}

TEST(ContractDocsTest, EveryStringAndListARequestCarriesStatesItsMaximum) {
  FileDescriptorSet files;
  std::ifstream in(GRACILIS_CONTRACT_DESCRIPTORS, std::ios::binary);
  ASSERT_TRUE(files.ParseFromIstream(&in)) << GRACILIS_CONTRACT_DESCRIPTORS;
  DescriptorPool pool;
  for (const auto& file : files.file()) {
    ASSERT_NE(pool.BuildFile(file), nullptr) << file.name();
  }
  std::set<std::string> seen;
  std::vector<std::string> unstated;
  int fields = 0, methods = 0;
  for (const auto& proto : files.file()) {
    const auto* file = pool.FindFileByName(proto.name());
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      // The public services (not gracilis.internal's bench echo).
      if (service->full_name().rfind("gracilis.", 0) != 0 ||
          service->full_name().rfind("gracilis.internal.", 0) == 0) {
        continue;
      }
      for (int m = 0; m < service->method_count(); ++m) {
        ++methods;
        Walk(*service->method(m)->input_type(), seen, unstated, fields);
      }
    }
  }
  EXPECT_GT(methods, 30);
  EXPECT_GT(fields, 40);
  std::string list;
  for (const std::string& name : unstated) {
    list += "\n  " + name;
  }
  EXPECT_TRUE(unstated.empty())
      << unstated.size() << " of " << fields
      << " strings and lists in requests state no maximum (say \"at most N\", "
         "\"1-N characters\" or \"Output only\"):"
      << list;
}

// Issue 22: the contract is ready for code generation in the languages
// phones and tools use: every public file says its Java/Kotlin, Swift,
// Objective-C, Go and C# names, by one rule. Objective-C and Swift have no
// packages, so one prefix serves all: no two public top-level types may
// share a name. (ContractCodeGeneration runs protoc's own generators.)
TEST(ContractDocsTest, EveryPublicFileNamesItsPackageForEveryLanguage) {
  FileDescriptorSet files;
  std::ifstream in(GRACILIS_CONTRACT_DESCRIPTORS, std::ios::binary);
  ASSERT_TRUE(files.ParseFromIstream(&in)) << GRACILIS_CONTRACT_DESCRIPTORS;
  std::set<std::string> top_level;
  int checked = 0;
  for (const auto& file : files.file()) {
    const std::string& package = file.package();
    if (package.rfind("gracilis.", 0) != 0 ||
        package.rfind("gracilis.internal.", 0) == 0) {
      continue;
    }
    ++checked;
    SCOPED_TRACE(file.name());
    // "gracilis.account.v1" -> "account"
    const std::string name = package.substr(9, package.rfind('.') - 9);
    std::string title = name;
    title[0] = static_cast<char>(std::toupper(title[0]));
    const auto& o = file.options();
    EXPECT_EQ(o.java_package(), "app." + package);
    EXPECT_TRUE(o.java_multiple_files());
    EXPECT_FALSE(o.java_outer_classname().empty());
    EXPECT_EQ(o.csharp_namespace(), "Gracilis." + title + ".V1");
    EXPECT_EQ(o.go_package(),
              "gracilis.app/gen/go/gracilis/" + name + "/v1;" + name + "v1");
    EXPECT_EQ(o.objc_class_prefix(), "GRC");
    EXPECT_EQ(o.swift_prefix(), "GRC");
    for (const auto& message : file.message_type()) {
      EXPECT_TRUE(top_level.insert(message.name()).second) << message.name();
    }
    for (const auto& type : file.enum_type()) {
      EXPECT_TRUE(top_level.insert(type.name()).second) << type.name();
    }
    for (const auto& service : file.service()) {
      EXPECT_TRUE(top_level.insert(service.name()).second) << service.name();
    }
  }
  EXPECT_GE(checked, 8);
}

}  // namespace
}  // namespace gracilis
