// `emopiano train` without --config: the bundled model's own config.
#include <gtest/gtest.h>

#include <filesystem>

#include "emopiano/model.hpp"
#include "emopiano/tokenizer.hpp"
#include "support/test_support.hpp"
#include "train/tiny_corpus.hpp"

namespace emopiano {
namespace {

namespace fs = std::filesystem;

TEST(CliTrain, WithoutAConfigTrainsLikeTheBundledModel) {
  const fs::path data =
      test::write_corpus("cli-train-data", {{"a", test::melody({60, 62, 64, 65, 67, 69, 71, 72}, 4), "Q1", "train"},
                                            {"b", test::melody({57, 60, 64}, 3), "Q3", "val"}});
  const fs::path out = test::temp_dir("cli-train") / "m.pt";
  const auto r = test::run_emopiano(
      {"train", "--data", data.string(), "--out", out.string(), "--max-steps", "1", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("no --config: the bundled model's config"), std::string::npos) << r.err;
  const Model bundled = Model::load(bundled_model_path());
  const Model trained = Model::load(out);
  EXPECT_TRUE(trained.config() == bundled.config());
  EXPECT_TRUE(trained.tokenizer().config() == bundled.tokenizer().config());
}

}  // namespace
}  // namespace emopiano
