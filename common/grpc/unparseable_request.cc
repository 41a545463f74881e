#include "common/grpc/unparseable_request.h"

#include <mutex>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/log/log.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"

namespace gracilis {
namespace {

using grpc::experimental::InterceptionHookPoints;

// The field whose invalid UTF-8 failed the last parse on this thread, as
// protobuf names it ("gracilis.account.v1.RegisterRequest.email"), and
// when. gRPC parses a request on the thread that then sends its failed
// status, so the interceptor below reads it there at once.
struct InvalidUtf8 {
  std::string field;
  absl::Time when = absl::InfinitePast();
};
thread_local InvalidUtf8 last_invalid_utf8;

// Protobuf reports what it cannot parse only to its log: this handler
// keeps the field for the interceptor and writes the line in the services'
// own log format (instead of "[libprotobuf ERROR ...]").
void ProtobufLog(google::protobuf::LogLevel level, const char* filename,
                 int line, const std::string& message) {
  constexpr absl::string_view kPrefix = "String field '";
  if (absl::StartsWith(message, kPrefix) &&
      absl::StrContains(message, "invalid UTF-8 data when parsing")) {
    absl::string_view rest = absl::string_view(message).substr(kPrefix.size());
    last_invalid_utf8 = {std::string(rest.substr(0, rest.find('\''))),
                         absl::Now()};
  }
  const char* name = level == google::protobuf::LOGLEVEL_INFO      ? "info"
                     : level == google::protobuf::LOGLEVEL_WARNING ? "warning"
                                                                   : "error";
  Log(name, absl::StrCat("protobuf (", filename, ":", line, "): ", message));
}

// The request field (a path from the request message, when the field is
// the request's own) holding invalid UTF-8 in the parse that just failed
// on this thread, or empty.
std::string InvalidUtf8Field(const google::protobuf::MethodDescriptor& method) {
  InvalidUtf8 last = std::move(last_invalid_utf8);
  last_invalid_utf8 = {};
  if (last.field.empty() || absl::Now() - last.when > absl::Seconds(1)) {
    return "";
  }
  const std::string own = absl::StrCat(method.input_type()->full_name(), ".");
  return absl::StartsWith(last.field, own) ? last.field.substr(own.size())
                                           : last.field;
}

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
          const std::string field = InvalidUtf8Field(*method);
          const std::string what =
              absl::StrCat("the request could not be parsed as ",
                           method->input_type()->full_name());
          methods->ModifySendStatus(ToGrpcStatus(WithReason(
              field.empty()
                  ? absl::InvalidArgumentError(absl::StrCat(
                        what,
                        ": a string field holds invalid UTF-8, or the bytes "
                        "are not that message"))
                  : InvalidFields({{field, absl::StrCat("must be valid UTF-8 (",
                                                        what, ")")}}),
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

UnparseableRequestInterceptorFactory::UnparseableRequestInterceptorFactory() {
  static std::once_flag installed;
  std::call_once(installed,
                 [] { google::protobuf::SetLogHandler(&ProtobufLog); });
}

grpc::experimental::Interceptor*
UnparseableRequestInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new UnparseableRequestInterceptor(info->method());
}

}  // namespace gracilis
