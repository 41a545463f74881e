#include "common/grpc/unparseable_request.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "google/protobuf/descriptor.h"

namespace gracilis {
namespace {

using grpc::experimental::InterceptionHookPoints;

class UnparseableRequestInterceptor final
    : public grpc::experimental::Interceptor {
 public:
  explicit UnparseableRequestInterceptor(const char* method)
      : method_(method == nullptr ? "" : method) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      // No handler of ours answers UNIMPLEMENTED, and gRPC names the
      // methods it does not know; an empty one is a request that did not
      // parse.
      if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED &&
          status.error_message().empty()) {
        if (const auto* method = MethodDescriptor()) {
          methods->ModifySendStatus(ToGrpcStatus(WithReason(
              absl::InvalidArgumentError(absl::StrCat(
                  "the request could not be parsed as ",
                  method->input_type()->full_name(),
                  ": a string field holds invalid UTF-8, or the bytes are not "
                  "that message")),
              "REQUEST_UNPARSEABLE")));
        }
      }
    }
    methods->Proceed();
  }

 private:
  // "/pkg.Service/Method" -> its descriptor, if this binary has it.
  const google::protobuf::MethodDescriptor* MethodDescriptor() const {
    const std::string name =
        absl::StrReplaceAll(absl::StripPrefix(method_, "/"), {{"/", "."}});
    return google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
        name);
  }

  std::string method_;
};

}  // namespace

grpc::experimental::Interceptor*
UnparseableRequestInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new UnparseableRequestInterceptor(info->method());
}

}  // namespace gracilis
