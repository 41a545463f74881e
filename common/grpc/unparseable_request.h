#pragma once

// Requests that do not parse (a string field holding invalid UTF-8, or bytes
// that are not the method's request message) never reach a handler: gRPC's
// callback API then answers UNIMPLEMENTED with no message, which a phone
// cannot act on. This server interceptor turns that answer, for a method the
// server has, into INVALID_ARGUMENT (reason REQUEST_UNPARSEABLE) naming the
// message that could not be parsed. Unknown methods stay UNIMPLEMENTED.

#include "grpcpp/support/server_interceptor.h"

namespace gracilis {

class UnparseableRequestInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace gracilis
