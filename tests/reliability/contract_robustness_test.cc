// Contract-driven robustness (issue 21, item 9). For every RPC of the four
// public services, generated from the descriptors so that new methods and
// fields are covered without editing this file: requests with one field
// mutated at a time (invalid UTF-8, oversized strings and repeated fields,
// extreme numbers, unknown enum values, out-of-range timestamps and dates),
// sent directly to the service and through the gateway with a valid
// session. Every answer must be a documented code with a documented reason,
// bounded in size, and in time; a call refused must have stored nothing
// (the user's keys and the store's key count unchanged); every service must
// still be serving after.

#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/errors.h"
#include "common/status/grpc_status.h"
#include "common/status/status_matchers.h"
#include "common/testing/raw_call.h"
#include "common/testing/signed_in_call.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gracilis/type/v1/errors.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/e2e/test_stack.h"
#include "tests/reliability/reliability.h"

namespace gracilis::reliability {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using ::gracilis::FieldViolation;
using testing::IsOk;
using testing::TestStack;

constexpr absl::Duration kDeadline = absl::Seconds(5);
// ToGrpcStatus's bounds, with room for the gateway's own answers.
constexpr size_t kMaxMessageBytes = 1024;
constexpr size_t kMaxDetailsBytes = 4096;

// Methods the sweep leaves out: they end the session it runs with.
const std::set<std::string> kSkipped = {"Logout", "DeleteAccount"};

struct Mutation {
  std::string name;  // "email: invalid UTF-8"
  std::string bytes;
  // Set for the oversized mutations (100,000 characters, 5,000 items): the
  // field's path ("profile.equipment"), which the answer must name.
  std::string oversized_field;
  // Set for invalid UTF-8: the field's path ("set.set_id").
  std::string utf8_field;
};

// One field of `prototype`'s type changed in each way its type allows.
void MutationsOf(const Message& prototype, const std::string& prefix, int depth,
                 std::vector<Mutation>& out) {
  const auto* descriptor = prototype.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const std::string path = absl::StrCat(prefix, field->name());
    const auto add = [&](const std::string& what, const auto& change) {
      std::unique_ptr<Message> m(prototype.New());
      change(*m, field);
      const bool oversized =
          what == "100,000 characters" || what == "5,000 items";
      out.push_back({absl::StrCat(path, ": ", what), m->SerializeAsString(),
                     oversized ? path : "",
                     what == "invalid UTF-8" ? path : ""});
    };
    if (field->is_repeated()) {
      add("5,000 items", [](Message& m, const FieldDescriptor* f) {
        const auto* r = m.GetReflection();
        for (int k = 0; k < 5000; ++k) {
          switch (f->cpp_type()) {
            case FieldDescriptor::CPPTYPE_STRING:
              r->AddString(&m, f, "x");
              break;
            case FieldDescriptor::CPPTYPE_ENUM:
              r->AddEnumValue(&m, f, 1);
              break;
            case FieldDescriptor::CPPTYPE_MESSAGE:
              r->AddMessage(&m, f);
              break;
            case FieldDescriptor::CPPTYPE_INT32:
              r->AddInt32(&m, f, 1);
              break;
            default:
              return;
          }
        }
      });
      continue;
    }
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        add("invalid UTF-8", [](Message& m, const FieldDescriptor* f) {
          m.GetReflection()->SetString(&m, f, std::string("a\xff\xfe", 3));
        });
        add("100,000 characters", [](Message& m, const FieldDescriptor* f) {
          m.GetReflection()->SetString(&m, f, std::string(100000, 'x'));
        });
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        for (int value : {std::numeric_limits<int32_t>::min(),
                          std::numeric_limits<int32_t>::max()}) {
          add(absl::StrCat(value),
              [value](Message& m, const FieldDescriptor* f) {
                m.GetReflection()->SetInt32(&m, f, value);
              });
        }
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        add("int64 max", [](Message& m, const FieldDescriptor* f) {
          m.GetReflection()->SetInt64(&m, f,
                                      std::numeric_limits<int64_t>::max());
        });
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        for (double value : {std::nan(""), -1e308}) {
          add(absl::StrCat(value),
              [value](Message& m, const FieldDescriptor* f) {
                m.GetReflection()->SetDouble(&m, f, value);
              });
        }
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        add("unknown enum value", [](Message& m, const FieldDescriptor* f) {
          m.GetReflection()->SetEnumValue(&m, f, 999);
        });
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const std::string type = field->message_type()->full_name();
        if (type == "google.protobuf.Timestamp") {
          add("timestamp year 10000", [](Message& m, const FieldDescriptor* f) {
            Message* t = m.GetReflection()->MutableMessage(&m, f);
            t->GetReflection()->SetInt64(
                t, t->GetDescriptor()->FindFieldByName("seconds"),
                253402300800);
          });
        } else if (type == "gracilis.type.v1.Date" ||
                   type == "gracilis.type.v1.IsoWeek") {
          add("year 2147483647", [](Message& m, const FieldDescriptor* f) {
            Message* d = m.GetReflection()->MutableMessage(&m, f);
            d->GetReflection()->SetInt32(
                d, d->GetDescriptor()->FindFieldByName("year"),
                std::numeric_limits<int32_t>::max());
          });
        } else if (depth < 1) {
          // One level into other messages: each nested field mutated alone.
          std::vector<Mutation> nested;
          const Message* inner =
              google::protobuf::MessageFactory::generated_factory()
                  ->GetPrototype(field->message_type());
          MutationsOf(*inner, "", depth + 1, nested);
          for (Mutation& n : nested) {
            std::unique_ptr<Message> m(prototype.New());
            Message* child = m->GetReflection()->MutableMessage(m.get(), field);
            child->ParsePartialFromString(n.bytes);
            out.push_back(
                {absl::StrCat(path, ".", n.name), m->SerializePartialAsString(),
                 n.oversized_field.empty()
                     ? ""
                     : absl::StrCat(path, ".", n.oversized_field),
                 n.utf8_field.empty() ? ""
                                      : absl::StrCat(path, ".", n.utf8_field)});
          }
        }
        break;
      }
      default:
        break;
    }
  }
}

// A violation of `violation_field` names `field` ("profile.equipment"):
// the field itself, an item of it, or the field it is part of.
bool Names(absl::string_view violation_field, absl::string_view field) {
  return violation_field == field ||
         absl::StartsWith(violation_field, absl::StrCat(field, ".")) ||
         absl::StartsWith(violation_field, absl::StrCat(field, "[")) ||
         absl::StartsWith(field, absl::StrCat(violation_field, "."));
}

bool Documented(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
      return true;
    default:  // UNKNOWN, INTERNAL, UNIMPLEMENTED, DEADLINE_EXCEEDED, ...
      return false;
  }
}

TEST(ContractRobustnessTest, EveryMutatedRequestGetsABoundedDocumentedAnswer) {
  TestStack stack;
  ASSERT_THAT(stack.Start(), IsOk());
  Clients clients = Clients::Direct(stack);
  absl::StatusOr<User> user = NewTrainingUser(clients, "probe@example.com");
  ASSERT_THAT(user.status(), IsOk());

  const std::map<std::string, std::string> services = {
      {"gracilis.account.v1.AccountService", "gracilis-account"},
      {"gracilis.plan.v1.PlanService", "gracilis-plan"},
      {"gracilis.workout.v1.WorkoutService", "gracilis-workout"},
      {"gracilis.progress.v1.ProgressService", "gracilis-progress"},
  };
  int sent = 0, documented = 0, hung = 0, oversized = 0, stored = 0,
      methods = 0, oversized_sent = 0, oversized_named = 0, utf8_sent = 0,
      utf8_named = 0;
  // The user's data as of the last call that succeeded. The digest sees a
  // change: a set logged moves it.
  std::string digest = UserDataDigest(stack, *user);
  workout::v1::LogSetRequest log_set;
  log_set.set_workout("users/me/workouts/live");
  *log_set.mutable_set() = SumoSquat("digest-check");
  ASSERT_THAT(testing::SignedInCall(*clients.workouts,
                                    &workout::v1::WorkoutService::Stub::LogSet,
                                    log_set, user->token)
                  .status(),
              IsOk());
  const std::string after_set = UserDataDigest(stack, *user);
  ASSERT_NE(after_set, digest) << "the digest did not see a logged set";
  digest = after_set;
  std::map<int, int> codes;
  for (const auto& [service_name, binary] : services) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service_name);
    ASSERT_NE(service, nullptr) << service_name;
    const std::map<std::string, std::shared_ptr<grpc::Channel>> paths = {
        {"direct", grpc::CreateChannel(stack.service_address(binary),
                                       grpc::InsecureChannelCredentials())},
        {"gateway", stack.GatewayChannel()},
    };
    for (int m = 0; m < service->method_count(); ++m) {
      const auto* method = service->method(m);
      if (kSkipped.contains(method->name())) {
        continue;
      }
      ++methods;
      const Message* prototype =
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(
              method->input_type());
      std::vector<Mutation> mutations;
      MutationsOf(*prototype, "", 0, mutations);
      const std::string path =
          absl::StrCat("/", service_name, "/", method->name());
      for (const Mutation& mutation : mutations) {
        for (const auto& [route, channel] : paths) {
          SCOPED_TRACE(absl::StrCat(path, " ", route, " ", mutation.name));
          const absl::Time start = absl::Now();
          const grpc::Status status =
              testing::RawUnaryCall(channel, path, mutation.bytes, user->token,
                                    absl::ToChronoMilliseconds(kDeadline));
          ++sent;
          ++codes[status.error_code()];
          const bool in_time = absl::Now() - start < kDeadline;
          hung += in_time ? 0 : 1;
          EXPECT_TRUE(in_time);
          const bool bounded =
              status.error_message().size() <= kMaxMessageBytes &&
              status.error_details().size() <= kMaxDetailsBytes;
          oversized += bounded ? 0 : 1;
          EXPECT_TRUE(bounded) << status.error_message().size() << " + "
                               << status.error_details().size();
          bool ok = Documented(status.error_code()) && in_time && bounded;
          EXPECT_TRUE(Documented(status.error_code()))
              << status.error_code() << " " << status.error_message();
          if (!status.ok()) {
            type::v1::ErrorReason reason;
            const bool has_reason = type::v1::ErrorReason_Parse(
                ReasonOf(FromGrpcStatus(status)), &reason);
            EXPECT_TRUE(has_reason) << status.error_message();
            ok = ok && has_reason;
          }
          if (!mutation.oversized_field.empty()) {
            // Never accepted; named when validation reaches it (an empty
            // request may fail an earlier check first, or authorization).
            ++oversized_sent;
            EXPECT_FALSE(status.ok()) << "an oversized value was accepted";
            for (const FieldViolation& v :
                 FieldViolationsOf(FromGrpcStatus(status))) {
              if (Names(v.field, mutation.oversized_field)) {
                ++oversized_named;
                break;
              }
            }
          }
          if (!mutation.utf8_field.empty()) {
            // Named by its path from the request, or, nested, by its
            // message type ("gracilis.workout.v1.StrengthSet.set_id").
            ++utf8_sent;
            const std::string leaf = absl::StrCat(
                ".",
                mutation.utf8_field.substr(mutation.utf8_field.rfind('.') + 1));
            bool named = false;
            for (const FieldViolation& v :
                 FieldViolationsOf(FromGrpcStatus(status))) {
              named = named || v.field == mutation.utf8_field ||
                      absl::EndsWith(v.field, leaf);
            }
            utf8_named += named ? 1 : 0;
            EXPECT_TRUE(named)
                << "invalid UTF-8 not named: " << status.error_message();
          }
          documented += ok ? 1 : 0;
          const std::string now = UserDataDigest(stack, *user);
          if (!status.ok() && now != digest) {
            ++stored;
            ADD_FAILURE() << "refused with " << status.error_code()
                          << " but the user's data changed";
          }
          digest = now;
        }
      }
    }
    // Still serving after the sweep.
    auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
        stack.service_address(binary), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kDeadline));
    grpc::health::v1::HealthCheckResponse answer;
    ASSERT_TRUE(health->Check(&context, {}, &answer).ok()) << binary;
    EXPECT_EQ(answer.status(), grpc::health::v1::HealthCheckResponse::SERVING);
  }
  std::string by_code;
  for (const auto& [code, count] : codes) {
    absl::StrAppend(&by_code, by_code.empty() ? "" : ", ", "code ", code, ": ",
                    count);
  }
  Figure("robustness.methods", absl::StrCat(methods,
                                            " (skipped: Logout, "
                                            "DeleteAccount)"));
  Figure("robustness.calls",
         absl::StrFormat("%d sent (direct and through the gateway), %d "
                         "answered as documented, %d hung, %d oversized, %d "
                         "refused yet stored something",
                         sent, documented, hung, oversized, stored));
  Figure("robustness.codes", by_code);
  Figure("robustness.invalid_utf8",
         absl::StrFormat("%d strings with invalid UTF-8 sent, %d answered "
                         "naming the field",
                         utf8_sent, utf8_named));
  Figure(
      "robustness.oversized",
      absl::StrFormat("%d oversized strings or lists sent, %d refused naming "
                      "the field (or its parent), 0 accepted",
                      oversized_sent, oversized_named));
  EXPECT_GT(sent, 300);
  EXPECT_EQ(documented, sent);
}

}  // namespace
}  // namespace gracilis::reliability
