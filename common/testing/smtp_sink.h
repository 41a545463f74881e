#pragma once

// A real SMTP server for tests, as scripts/up runs it: Debian's aiosmtpd
// (python3-aiosmtpd) on loopback and a free port, keeping each mail it
// accepts as a file in a Maildir in a temporary directory (removed on
// destruction).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/testing/child_process.h"

namespace gracilis::testing {

class TestSmtpSink {
 public:
  TestSmtpSink();
  ~TestSmtpSink();
  TestSmtpSink(const TestSmtpSink&) = delete;
  TestSmtpSink& operator=(const TestSmtpSink&) = delete;

  // Starts the sink (again on the same port and Maildir after Stop) and
  // waits until it accepts connections.
  absl::Status Start();
  void Stop();

  int port() const { return port_; }
  std::string url() const;  // smtp://127.0.0.1:<port>
  // Every mail received so far, oldest first, as received (headers and
  // body).
  std::vector<std::string> Mails() const;
  // What the sink wrote to its log.
  std::string Log() const;

 private:
  int port_;
  std::string dir_;
  ChildProcess process_;
};

// The mailed code in a mail from the account service (after "code="), or
// "" if there is none.
std::string MailedCode(const std::string& mail);

}  // namespace gracilis::testing
