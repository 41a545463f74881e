#include "common/grpc/field_mask.h"

#include <algorithm>

namespace gracilis {

std::vector<std::string> UpdatePaths(
    const std::vector<std::string>& mask,
    const google::protobuf::Message& update,
    const std::vector<std::string>& output_only) {
  if (!mask.empty()) {
    return mask;
  }
  // Reflection lists exactly the populated fields (proto3 scalars at their
  // default are not), in field-number order.
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  update.GetReflection()->ListFields(update, &fields);
  std::vector<std::string> paths;
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (std::find(output_only.begin(), output_only.end(), field->name()) ==
        output_only.end()) {
      paths.push_back(field->name());
    }
  }
  return paths;
}

}  // namespace gracilis
