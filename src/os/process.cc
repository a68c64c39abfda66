#include "os/process.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace spur::os {
namespace {

// Everything the child does between fork and exec; async-signal-safe only.
[[noreturn]] void ExecChild(const std::vector<std::string>& argv, const RunOptions& o,
                            char** envp) {
  if (!o.cwd.empty() && ::chdir(o.cwd.c_str()) != 0) ::_exit(126);
  if (o.as_user) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(o.as_user->gid) != 0 ||
        ::setuid(o.as_user->uid) != 0) {
      ::_exit(126);
    }
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvpe(args[0], args.data(), envp);
  ::_exit(127);
}

// Builds the child's environment before forking (allocation is not safe after).
std::vector<std::string> BuildEnv(const RunOptions& o) {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  if (o.as_user) {
    env["HOME"] = o.as_user->home;
    env["USER"] = o.as_user->name;
    env["LOGNAME"] = o.as_user->name;
  }
  for (const auto& [k, v] : o.env) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> EnvPointers(std::vector<std::string>& env) {
  std::vector<char*> p;
  for (auto& s : env) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

void Pump(int in_fd, const std::string& input, int out_fd, int err_fd, RunOutput* r) {
  size_t written = 0;
  if (input.empty() && in_fd >= 0) {
    ::close(in_fd);
    in_fd = -1;
  }
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0) {
    struct pollfd fds[3];
    int n = 0;
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_fd) {
        ssize_t w = ::write(in_fd, input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == input.size()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        (fds[i].fd == out_fd ? r->out : r->err).append(buf, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        (fds[i].fd == out_fd ? out_fd : err_fd) = -1;
      }
    }
  }
  if (in_fd >= 0) ::close(in_fd);
}

std::string LastLine(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

}  // namespace

Result<RunOutput> Run(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) return InvalidArgument("empty command");
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    return Internal(std::string("pipe failed: ") + std::strerror(errno));
  }
  auto env = BuildEnv(options);
  auto envp = EnvPointers(env);
  ::signal(SIGPIPE, SIG_IGN);
  pid_t pid = ::fork();
  if (pid < 0) return Internal(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    ExecChild(argv, options, envp.data());
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  RunOutput r;
  Pump(in[1], options.stdin_data, out[0], err[0], &r);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (r.exit_code == 127) return NotFound("cannot run " + argv[0] + ": not found");
  if (r.exit_code == 126 && r.err.empty()) {
    return Internal("cannot start " + argv[0] + " (cwd or user switch failed)");
  }
  return r;
}

Result<RunOutput> RunChecked(const std::vector<std::string>& argv, const RunOptions& options) {
  ASSIGN_OR_RETURN(RunOutput r, Run(argv, options));
  if (r.exit_code != 0) {
    std::string why = LastLine(r.err.empty() ? r.out : r.err);
    return Internal(argv[0] + " failed (exit " + std::to_string(r.exit_code) + "): " + why);
  }
  return r;
}

Result<pid_t> SpawnDetached(const std::vector<std::string>& argv, const std::string& log_path,
                            const RunOptions& options) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return Internal("pipe failed");
  auto env = BuildEnv(options);
  auto envp = EnvPointers(env);
  pid_t first = ::fork();
  if (first < 0) return Internal(std::string("fork failed: ") + std::strerror(errno));
  if (first == 0) {
    ::setsid();
    pid_t second = ::fork();
    if (second != 0) {
      ssize_t ignored = ::write(report[1], &second, sizeof second);
      (void)ignored;
      ::_exit(second < 0 ? 1 : 0);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (devnull < 0 || log < 0) ::_exit(126);
    ::dup2(devnull, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::close_range(3, ~0U, 0);
    ExecChild(argv, options, envp.data());
  }
  ::close(report[1]);
  pid_t daemon = -1;
  ssize_t got = ::read(report[0], &daemon, sizeof daemon);
  ::close(report[0]);
  int status = 0;
  ::waitpid(first, &status, 0);
  if (got != sizeof daemon || daemon <= 0) return Internal("cannot start " + argv[0]);
  return daemon;
}

bool ProcessAlive(pid_t pid) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) == 0 || errno == EPERM) {
    // A zombie is not alive; check /proc state.
    std::string stat_path = "/proc/" + std::to_string(pid) + "/stat";
    int fd = ::open(stat_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[512];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return false;
    buf[n] = '\0';
    const char* paren = std::strrchr(buf, ')');
    return !(paren && paren[1] == ' ' && paren[2] == 'Z');
  }
  return false;
}

std::string ProcessExeName(pid_t pid) {
  char target[4096];
  std::string link = "/proc/" + std::to_string(pid) + "/exe";
  ssize_t n = ::readlink(link.c_str(), target, sizeof target - 1);
  if (n <= 0) return "";
  target[n] = '\0';
  std::string t = target;
  auto slash = t.rfind('/');
  return slash == std::string::npos ? t : t.substr(slash + 1);
}

Status ExecReplace(const std::vector<std::string>& argv, const RunOptions& options) {
  auto env = BuildEnv(options);
  auto envp = EnvPointers(env);
  if (options.as_user) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(options.as_user->gid) != 0 ||
        ::setuid(options.as_user->uid) != 0) {
      return Internal("cannot switch to user " + options.as_user->name);
    }
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execvpe(args[0], args.data(), envp.data());
  return NotFound("cannot run " + argv[0] + ": " + std::strerror(errno));
}

}  // namespace spur::os
