#include "bench/users.h"

#include "absl/strings/str_cat.h"
#include "common/auth/session_store.h"
#include "common/clock/clock.h"
#include "common/testing/signed_in_call.h"
#include "tools/seed/synthetic_users.h"

namespace gracilis::bench {

absl::StatusOr<std::vector<std::string>> SignInSyntheticUsers(
    const RedisConfig& redis, int first, int count) {
  RedisClient client(redis, {Needs(RedisSessionStore::Functions())}, nullptr);
  if (absl::Status ready = StartAndAwaitReady(client, redis, absl::Seconds(10));
      !ready.ok()) {
    client.Stop();
    return ready;
  }
  SystemClock clock;
  RedisSessionStore sessions(client, clock, SessionConfig());
  std::vector<std::string> tokens;
  for (int i = first; i < first + count; ++i) {
    tokens.push_back(testing::IssueSession(sessions, seed::SyntheticUserId(i)));
    if (tokens.back().empty()) {
      client.Stop();
      return absl::FailedPreconditionError(absl::StrCat(
          "no session for synthetic user ", i,
          "; seed users first (gracilis-seed --users=", first + count, ")"));
    }
  }
  client.Stop();
  return tokens;
}

}  // namespace gracilis::bench
