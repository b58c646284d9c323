/// A stand-in for libFuzzer's main, so every target also builds with g++ (or without
/// -fsanitize=fuzzer) as a program that replays inputs: each argument is a file, or a folder
/// whose regular files (names not starting with '.') are replayed in name order. Arguments
/// starting with '-' are ignored, so a libFuzzer command line replays the same way. A finding
/// aborts, as under libFuzzer; otherwise prints how many inputs ran and exits 0.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void replay_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> const text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
  std::vector<std::uint8_t> bytes(text.begin(), text.end());
  std::fprintf(stderr, "replaying %s (%zu bytes)\n", path.c_str(), bytes.size());
  // A copy sized exactly, so ASan catches a read past the input as libFuzzer's would.
  auto const copy = std::make_unique<std::uint8_t[]>(bytes.size());
  std::copy(bytes.begin(), bytes.end(), copy.get());
  (void)LLVMFuzzerTestOneInput(copy.get(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::string const arg = argv[i];
    if (arg.starts_with("-")) continue;
    std::filesystem::path const path(arg);
    if (std::filesystem::is_directory(path)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::directory_iterator(path))
        if (entry.is_regular_file() && !entry.path().filename().string().starts_with("."))
          files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (const auto& f : files) replay_file(f), ++count;
    } else if (std::filesystem::is_regular_file(path)) {
      replay_file(path);
      ++count;
    } else {
      std::fprintf(stderr, "SUMMARY: chaosq-fuzz-replay: no such file or folder: %s\n",
                   arg.c_str());
      return 2;
    }
  }
  std::fprintf(stderr, "replayed %zu inputs: no finding\n", count);
  return 0;
}
