// The fuzz targets of tests/fuzz/. Each <target>.cc defines one plain function
// `int Fuzz<Target>(const uint8_t* data, size_t size)` (compiled into both the
// ordinary build, where tests/fuzz/corpus_test.cc runs it on every seed of
// tests/fuzz/corpus/<target>/, and the libFuzzer build) and ends with
// SPUR_FUZZ_TARGET(Fuzz<Target>), which becomes LLVMFuzzerTestOneInput only
// when SPUR_FUZZ_MAIN is defined (one fuzz executable per target).
//
// A target returns 0. It reports a bug by crashing: SPUR_FUZZ_CHECK aborts with
// the broken property (libFuzzer saves the input; the corpus test dies), and
// ASan/UBSan catch memory errors and undefined behaviour in the fuzz build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace spur::fuzz {

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input being run, when the corpus test runs it (libFuzzer saves its own).
inline const char*& CurrentSeed() {
  static const char* seed = nullptr;
  return seed;
}

[[noreturn]] inline void CheckFailed(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz property broken: %s%s%s\n", file, line, what,
               CurrentSeed() ? " on seed " : "", CurrentSeed() ? CurrentSeed() : "");
  std::abort();
}

int FuzzHttpRequest(const uint8_t* data, size_t size);
int FuzzApiRequest(const uint8_t* data, size_t size);
int FuzzGitHubHook(const uint8_t* data, size_t size);
int FuzzGitLabHook(const uint8_t* data, size_t size);
int FuzzRepoConfig(const uint8_t* data, size_t size);
int FuzzCopyText(const uint8_t* data, size_t size);
int FuzzArrayText(const uint8_t* data, size_t size);
int FuzzMaskConfig(const uint8_t* data, size_t size);
int FuzzSubsetConfig(const uint8_t* data, size_t size);
int FuzzCron(const uint8_t* data, size_t size);
int FuzzUnits(const uint8_t* data, size_t size);
int FuzzWireStartup(const uint8_t* data, size_t size);
int FuzzBackendStartup(const uint8_t* data, size_t size);
int FuzzRehearseScript(const uint8_t* data, size_t size);

}  // namespace spur::fuzz

#define SPUR_FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::spur::fuzz::CheckFailed(__FILE__, __LINE__, #cond))

#ifdef SPUR_FUZZ_MAIN
#define SPUR_FUZZ_TARGET(fn)                                                \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { \
    return ::spur::fuzz::fn(data, size);                                    \
  }
#else
#define SPUR_FUZZ_TARGET(fn)
#endif
