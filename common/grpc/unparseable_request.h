#pragma once

// Requests that do not parse (a string field holding invalid UTF-8, or bytes
// that are not the method's request message) never reach a handler: gRPC's
// callback API then answers UNIMPLEMENTED with no message, which a phone
// cannot act on. This server interceptor turns that answer, for a method the
// server has, into INVALID_ARGUMENT (reason REQUEST_UNPARSEABLE) naming the
// message that could not be parsed, and the field holding invalid UTF-8
// when protobuf said which (a BadRequest field violation). Unknown methods
// stay UNIMPLEMENTED. Protobuf's own log lines go to the services' log
// format through the handler this installs.

#include "grpcpp/support/server_interceptor.h"

namespace gracilis {

class UnparseableRequestInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Installs protobuf's log handler (once per process).
  UnparseableRequestInterceptorFactory();
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace gracilis
