// gracilis-api-reference: docs/api-reference.md, written from the
// contract's descriptors with their comments (protos/contract.binpb, made
// at build time). The test ApiReferenceIsCurrent fails when the committed
// page differs from what this writes, so the reference always says what
// the protos say. Regenerate:
//   build/tools/api_reference/gracilis-api-reference \
//       build/protos/contract.binpb > docs/api-reference.md

#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::SourceLocation;

// A comment as one line of Markdown (a table cell must not break).
std::string Flat(const std::string& comment) {
  std::string flat;
  for (char c : comment) {
    const bool space = c == '\n' || c == ' ' || c == '\t';
    if (!(space && (flat.empty() || flat.back() == ' '))) {
      flat += space ? ' ' : c;
    }
  }
  return absl::StrReplaceAll(absl::StripAsciiWhitespace(flat), {{"|", "\\|"}});
}

template <typename T>
std::string CommentOf(const T& element) {
  SourceLocation where;
  if (!element.GetSourceLocation(&where)) {
    return "";
  }
  return Flat(
      absl::StrCat(where.leading_comments, " ", where.trailing_comments));
}

// A comment as paragraphs (blank lines kept).
template <typename T>
std::string Paragraphs(const T& element) {
  SourceLocation where;
  if (!element.GetSourceLocation(&where)) {
    return "";
  }
  std::string text;
  for (absl::string_view line : absl::StrSplit(where.leading_comments, '\n')) {
    absl::StrAppend(&text, absl::StripAsciiWhitespace(line), "\n");
  }
  return std::string(absl::StripAsciiWhitespace(text));
}

std::string TypeOf(const FieldDescriptor& field) {
  std::string type;
  if (field.is_map()) {
    return absl::StrCat("map<", TypeOf(*field.message_type()->field(0)), ", ",
                        TypeOf(*field.message_type()->field(1)), ">");
  }
  if (field.type() == FieldDescriptor::TYPE_MESSAGE) {
    type = field.message_type()->full_name();
  } else if (field.type() == FieldDescriptor::TYPE_ENUM) {
    type = field.enum_type()->full_name();
  } else {
    type = field.type_name();
  }
  return field.is_repeated() ? absl::StrCat("repeated ", type) : type;
}

void WriteEnum(const EnumDescriptor& e, std::ostream& out) {
  out << "#### enum `" << e.full_name() << "`\n\n";
  if (const std::string about = Paragraphs(e); !about.empty()) {
    out << about << "\n\n";
  }
  out << "| value | number | meaning |\n|---|---|---|\n";
  for (int i = 0; i < e.value_count(); ++i) {
    const auto& value = *e.value(i);
    out << "| `" << value.name() << "` | " << value.number() << " | "
        << CommentOf(value) << " |\n";
  }
  out << "\n";
}

void WriteMessage(const Descriptor& message, std::ostream& out) {
  if (message.options().map_entry()) {
    return;
  }
  out << "#### message `" << message.full_name() << "`\n\n";
  if (const std::string about = Paragraphs(message); !about.empty()) {
    out << about << "\n\n";
  }
  if (message.field_count() > 0) {
    out << "| field | number | type | meaning |\n|---|---|---|---|\n";
    for (int i = 0; i < message.field_count(); ++i) {
      const FieldDescriptor& field = *message.field(i);
      out << "| `" << field.name() << "` | " << field.number() << " | `"
          << TypeOf(field) << "` | " << CommentOf(field) << " |\n";
    }
    out << "\n";
  }
  for (int i = 0; i < message.enum_type_count(); ++i) {
    WriteEnum(*message.enum_type(i), out);
  }
  for (int i = 0; i < message.nested_type_count(); ++i) {
    WriteMessage(*message.nested_type(i), out);
  }
}

void WriteFile(const FileDescriptor& file, std::ostream& out) {
  out << "## `" << file.package() << "` (" << file.name() << ")\n\n";
  for (int s = 0; s < file.service_count(); ++s) {
    const auto& service = *file.service(s);
    out << "### service `" << service.full_name() << "`\n\n";
    if (const std::string about = Paragraphs(service); !about.empty()) {
      out << about << "\n\n";
    }
    out << "| method | request | response | what it does |\n"
           "|---|---|---|---|\n";
    for (int m = 0; m < service.method_count(); ++m) {
      const auto& method = *service.method(m);
      out << "| `" << method.name() << "` | `"
          << (method.client_streaming() ? "stream " : "")
          << method.input_type()->full_name() << "` | `"
          << (method.server_streaming() ? "stream " : "")
          << method.output_type()->full_name() << "` | " << CommentOf(method)
          << " |\n";
    }
    out << "\n";
  }
  if (file.message_type_count() + file.enum_type_count() > 0) {
    out << "### types\n\n";
  }
  for (int i = 0; i < file.enum_type_count(); ++i) {
    WriteEnum(*file.enum_type(i), out);
  }
  for (int i = 0; i < file.message_type_count(); ++i) {
    WriteMessage(*file.message_type(i), out);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: gracilis-api-reference <contract.binpb>\n";
    return 2;
  }
  google::protobuf::FileDescriptorSet files;
  std::ifstream in(argv[1], std::ios::binary);
  if (!files.ParseFromIstream(&in)) {
    std::cerr << "gracilis-api-reference: cannot read " << argv[1] << "\n";
    return 1;
  }
  google::protobuf::DescriptorPool pool;
  for (const auto& file : files.file()) {
    if (pool.BuildFile(file) == nullptr) {
      std::cerr << "gracilis-api-reference: bad file " << file.name() << "\n";
      return 1;
    }
  }
  std::ostream& out = std::cout;
  out << "# Gracilis API reference\n\n"
         "Written from the protos' own comments by gracilis-api-reference\n"
         "(tools/api_reference); the test ApiReferenceIsCurrent keeps it in\n"
         "step with the contract. The guide to using the API is "
         "[api.md](api.md).\n\n";
  // The services' files first, then the shared types.
  for (const bool with_services : {true, false}) {
    for (const auto& proto : files.file()) {
      const std::string& package = proto.package();
      if (package.rfind("gracilis.", 0) != 0 ||
          package.rfind("gracilis.internal.", 0) == 0 ||
          (proto.service_size() > 0) != with_services) {
        continue;
      }
      WriteFile(*pool.FindFileByName(proto.name()), out);
    }
  }
  return 0;
}
