#include "common/testing/smtp_sink.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/testing/redis_server.h"

namespace gracilis::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TestSmtpSink::TestSmtpSink() : port_(PickFreePort()) {
  std::string pattern = "/tmp/gracilis-smtp-XXXXXX";
  dir_ = mkdtemp(pattern.data());
}

TestSmtpSink::~TestSmtpSink() {
  Stop();
  RunCommand(absl::StrCat("rm -rf '", dir_, "'"));
}

absl::Status TestSmtpSink::Start() {
  // Debian's python3, which has the package (a python3 earlier in PATH
  // may not).
  absl::Status started =
      process_.Start({"/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l",
                      absl::StrCat("127.0.0.1:", port_), "-c",
                      "aiosmtpd.handlers.Mailbox", absl::StrCat(dir_, "/mail")},
                     {}, absl::StrCat(dir_, "/sink.log"));
  if (!started.ok()) {
    return started;
  }
  const bool up = WaitUntil([this] {
    return RunCommand(
               absl::StrCat("bash -c 'exec 3<>/dev/tcp/127.0.0.1/", port_, "'"))
               .exit_code == 0;
  });
  return up ? absl::OkStatus()
            : absl::UnavailableError(
                  absl::StrCat("the SMTP sink did not start: ", Log()));
}

void TestSmtpSink::Stop() { process_.Stop(absl::Seconds(5)); }

std::string TestSmtpSink::url() const {
  return absl::StrCat("smtp://127.0.0.1:", port_);
}

std::vector<std::string> TestSmtpSink::Mails() const {
  std::vector<std::pair<std::string, std::string>> files;  // name, path
  const std::string dir = absl::StrCat(dir_, "/mail/new");
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* entry = readdir(d)) {
      if (entry->d_name[0] == '.') continue;
      files.emplace_back(entry->d_name, absl::StrCat(dir, "/", entry->d_name));
    }
    closedir(d);
  }
  // Maildir names start with the delivery time in seconds, then a counter
  // that keeps one process's deliveries in order.
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
    struct stat sa, sb;
    stat(a.second.c_str(), &sa);
    stat(b.second.c_str(), &sb);
    if (sa.st_mtim.tv_sec != sb.st_mtim.tv_sec) {
      return sa.st_mtim.tv_sec < sb.st_mtim.tv_sec;
    }
    return sa.st_mtim.tv_nsec < sb.st_mtim.tv_nsec;
  });
  std::vector<std::string> mails;
  for (const auto& file : files) {
    mails.push_back(ReadFile(file.second));
  }
  return mails;
}

std::string TestSmtpSink::Log() const {
  return ReadFile(absl::StrCat(dir_, "/sink.log"));
}

std::string MailedCode(const std::string& mail) {
  const size_t at = mail.find("code=");
  if (at == std::string::npos) {
    return "";
  }
  const size_t start = at + 5;
  size_t end = start;
  while (end < mail.size() && mail[end] != '\r' && mail[end] != '\n' &&
         mail[end] != ' ') {
    ++end;
  }
  return mail.substr(start, end - start);
}

}  // namespace gracilis::testing
