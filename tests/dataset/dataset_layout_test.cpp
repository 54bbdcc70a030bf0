// Layout scanning: which files a dataset folder holds, with which labels and
// splits, before any MIDI is read (so the files here need not be valid MIDI).
#include "dataset/dataset_layout.hpp"

#include <cmath>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "emopiano/error.hpp"
#include "support/test_support.hpp"

namespace emopiano::detail {
namespace {

namespace fs = std::filesystem;

void touch(const fs::path& p, const std::string& text = "x") {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

std::map<std::string, const LayoutEntry*> by_name(const DatasetLayout& l) {
  std::map<std::string, const LayoutEntry*> m;
  for (const auto& e : l.entries) m[e.name] = &e;
  return m;
}

// A miniature EMOPIA 1.0 tree under `dir`.
void make_emopia(const fs::path& dir) {
  touch(dir / "midis" / "Q1_abc_0.mid");
  touch(dir / "midis" / "Q2_a_b_c_1.mid");  // YouTube ids may contain '_'
  touch(dir / "midis" / "Q3_xyz_2.mid");
  touch(dir / "midis" / "Q4_qq_0.mid");
  touch(dir / "midis" / "notes.txt");
  // label.csv overrides the name prefix for Q4_qq_0 on purpose.
  touch(dir / "label.csv", "ID,4Q,annotator\nQ1_abc_0,1,D\nQ2_a_b_c_1,2,D\nQ3_xyz_2,3,D\nQ4_qq_0,2,D\n");
  touch(dir / "split" / "train_clip.csv", ",clip_name\n0,Q1_abc_0.mid\n1,Q2_a_b_c_1.mid\n");
  touch(dir / "split" / "val_clip.csv", ",clip_name\n0,Q3_xyz_2.mid\n");
  touch(dir / "split" / "test_clip.csv", ",clip_name\n0,Q4_qq_0.mid\n");
}

TEST(DatasetLayout, EmopiaLabelsFromCsvAndSplitsFromSplitFiles) {
  auto root = test::temp_dir("layout-emopia");
  make_emopia(root / "EMOPIA_1.0");
  auto layout = scan_dataset_layout(root / "EMOPIA_1.0");
  EXPECT_EQ(layout.kind, "emopia");
  ASSERT_EQ(layout.entries.size(), 4u);
  EXPECT_TRUE(layout.skipped.empty());
  auto m = by_name(layout);
  ASSERT_TRUE(m.count("Q2_a_b_c_1"));
  EXPECT_EQ(m["Q1_abc_0"]->label, Quadrant::Q1);
  EXPECT_EQ(m["Q2_a_b_c_1"]->label, Quadrant::Q2);
  EXPECT_EQ(m["Q3_xyz_2"]->label, Quadrant::Q3);
  EXPECT_EQ(m["Q4_qq_0"]->label, Quadrant::Q2);  // label.csv wins over the prefix
  EXPECT_EQ(m["Q1_abc_0"]->split, Split::train);
  EXPECT_EQ(m["Q2_a_b_c_1"]->split, Split::train);
  EXPECT_EQ(m["Q3_xyz_2"]->split, Split::validation);
  EXPECT_EQ(m["Q4_qq_0"]->split, Split::test);
  EXPECT_EQ(m["Q3_xyz_2"]->path, root / "EMOPIA_1.0" / "midis" / "Q3_xyz_2.mid");
  // Sorted by name.
  for (size_t i = 1; i < layout.entries.size(); ++i) EXPECT_LT(layout.entries[i - 1].name, layout.entries[i].name);
}

TEST(DatasetLayout, EmopiaFoundFromTheParentFolder) {
  auto root = test::temp_dir("layout-parent");
  make_emopia(root / "EMOPIA_1.0");
  auto layout = scan_dataset_layout(root);
  EXPECT_EQ(layout.kind, "emopia");
  EXPECT_EQ(layout.root, root / "EMOPIA_1.0");
  EXPECT_EQ(layout.entries.size(), 4u);
}

TEST(DatasetLayout, EmopiaWithoutLabelCsvUsesNamePrefixAndNoSplit) {
  auto root = test::temp_dir("layout-prefix");
  touch(root / "midis" / "Q3_aa_0.mid");
  touch(root / "midis" / "Q4_bb_1.MID");
  touch(root / "midis" / "nolabel_0.mid");
  auto layout = scan_dataset_layout(root);
  EXPECT_EQ(layout.kind, "emopia");
  ASSERT_EQ(layout.entries.size(), 2u);
  EXPECT_EQ(layout.entries[0].name, "Q3_aa_0");
  EXPECT_EQ(layout.entries[0].label, Quadrant::Q3);
  EXPECT_EQ(layout.entries[1].label, Quadrant::Q4);
  EXPECT_FALSE(layout.entries[0].split.has_value());
  ASSERT_EQ(layout.skipped.size(), 1u);
  EXPECT_EQ(layout.skipped[0].path.filename(), "nolabel_0.mid");
  EXPECT_NE(layout.skipped[0].reason.find("no label"), std::string::npos) << layout.skipped[0].reason;
}

TEST(DatasetLayout, EmopiaBadLabelIsSkippedWithReason) {
  auto root = test::temp_dir("layout-badlabel");
  touch(root / "midis" / "Q1_aa_0.mid");
  touch(root / "midis" / "Q1_bb_0.mid");
  touch(root / "label.csv", "ID,4Q,annotator\nQ1_aa_0,1,D\nQ1_bb_0,7,D\n");
  auto layout = scan_dataset_layout(root);
  ASSERT_EQ(layout.entries.size(), 1u);
  EXPECT_EQ(layout.entries[0].name, "Q1_aa_0");
  ASSERT_EQ(layout.skipped.size(), 1u);
  const auto& reason = layout.skipped[0].reason;
  EXPECT_NE(reason.find("label.csv line 3"), std::string::npos) << reason;
  EXPECT_NE(reason.find("'7'"), std::string::npos) << reason;
}

TEST(DatasetLayout, QuadrantFolders) {
  auto root = test::temp_dir("layout-folders");
  touch(root / "Q1" / "a.mid");
  touch(root / "Q2" / "b.midi");
  touch(root / "Q3" / "deeper" / "c.mid");
  touch(root / "Q4" / "d.mid");
  touch(root / "Q4" / "readme.txt");
  touch(root / "other" / "e.mid");  // not a quadrant folder: ignored
  auto layout = scan_dataset_layout(root);
  EXPECT_EQ(layout.kind, "folders");
  ASSERT_EQ(layout.entries.size(), 4u);
  auto m = by_name(layout);
  EXPECT_EQ(m.at("a")->label, Quadrant::Q1);
  EXPECT_EQ(m.at("b")->label, Quadrant::Q2);
  EXPECT_EQ(m.at("c")->label, Quadrant::Q3);
  EXPECT_EQ(m.at("d")->label, Quadrant::Q4);
  EXPECT_FALSE(m.at("a")->split.has_value());
}

TEST(DatasetLayout, DuplicateFileNamesGetRelativePathNames) {
  auto root = test::temp_dir("layout-dupes");
  touch(root / "Q1" / "piece.mid");
  touch(root / "Q3" / "piece.mid");
  touch(root / "Q3" / "solo.mid");
  auto layout = scan_dataset_layout(root);
  ASSERT_EQ(layout.entries.size(), 3u);
  auto m = by_name(layout);
  ASSERT_TRUE(m.count("Q1/piece")) << layout.entries[0].name;
  ASSERT_TRUE(m.count("Q3/piece"));
  ASSERT_TRUE(m.count("solo"));
  EXPECT_EQ(m["Q3/piece"]->label, Quadrant::Q3);
}

TEST(DatasetLayout, CsvWithHeaderRelativePathsAndSplits) {
  auto root = test::temp_dir("layout-csv");
  touch(root / "music" / "one.mid");
  touch(root / "music" / "two.mid");
  touch(root / "music" / "three.mid");
  touch(root / "music" / "four.mid");
  touch(root / "list.csv",
        "path,label,split\nmusic/one.mid,Q2,train\nmusic/two.mid,sad,val\n\"music/three.mid\",4,\n"
        "music/four.mid,Q1,test\n");
  auto layout = scan_dataset_layout(root / "list.csv");
  EXPECT_EQ(layout.kind, "csv");
  ASSERT_EQ(layout.entries.size(), 4u);
  auto m = by_name(layout);
  EXPECT_EQ(m.at("one")->label, Quadrant::Q2);
  EXPECT_EQ(m.at("one")->split, Split::train);
  EXPECT_EQ(m.at("two")->label, Quadrant::Q3);
  EXPECT_EQ(m.at("two")->split, Split::validation);
  EXPECT_EQ(m.at("three")->label, Quadrant::Q4);
  EXPECT_FALSE(m.at("three")->split.has_value());
  EXPECT_EQ(m.at("four")->split, Split::test);
  EXPECT_EQ(m.at("two")->path, root / "music" / "two.mid");
}

TEST(DatasetLayout, CsvWithoutHeaderAndBadRowsSkippedWithReasons) {
  auto root = test::temp_dir("layout-csv-bad");
  touch(root / "a.mid");
  touch(root / "b.mid");
  touch(root / "c.mid");
  touch(root / "d.mid");
  touch(root / "list.csv", "a.mid,1\nb.mid,angry\nc.mid,2,holdout\na.mid,3\nd.mid\n");
  auto layout = scan_dataset_layout(root / "list.csv");
  ASSERT_EQ(layout.entries.size(), 1u);
  EXPECT_EQ(layout.entries[0].name, "a");
  EXPECT_EQ(layout.entries[0].label, Quadrant::Q1);
  ASSERT_EQ(layout.skipped.size(), 4u);
  EXPECT_NE(layout.skipped[0].reason.find("line 2: label 'angry'"), std::string::npos) << layout.skipped[0].reason;
  EXPECT_NE(layout.skipped[1].reason.find("split 'holdout'"), std::string::npos) << layout.skipped[1].reason;
  EXPECT_NE(layout.skipped[2].reason.find("listed again (first on line 1)"), std::string::npos)
      << layout.skipped[2].reason;
  EXPECT_NE(layout.skipped[3].reason.find("line 5: expected path,label"), std::string::npos)
      << layout.skipped[3].reason;
}

TEST(DatasetLayout, MissingRootOrNoLayoutIsNotFound) {
  auto root = test::temp_dir("layout-none");
  try {
    scan_dataset_layout(root / "missing");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.what()).find("missing"), std::string::npos) << e.what();
  }
  touch(root / "notes.txt");
  try {
    scan_dataset_layout(root);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::not_found);
    EXPECT_NE(std::string(e.what()).find("no recognised dataset layout"), std::string::npos) << e.what();
  }
  // Any MIDI file makes the folder an unlabelled collection.
  touch(root / "stray.mid");
  auto layout = scan_dataset_layout(root);
  EXPECT_EQ(layout.kind, "unlabelled");
  ASSERT_EQ(layout.entries.size(), 1u);
  EXPECT_FALSE(layout.entries[0].labelled);
}

TEST(DatasetLayout, SplitByNameIsStableAndFollowsFractions) {
  std::map<Split, int> count;
  for (int i = 0; i < 10000; ++i) {
    std::string name = "piece_" + std::to_string(i);
    Split s = split_by_name(name, 0.1, 0.2);
    EXPECT_EQ(split_by_name(name, 0.1, 0.2), s);
    ++count[s];
  }
  EXPECT_NEAR(count[Split::train], 7000, 300);
  EXPECT_NEAR(count[Split::validation], 1000, 150);
  EXPECT_NEAR(count[Split::test], 2000, 200);
  EXPECT_EQ(split_by_name("x", 0.0, 0.0), Split::train);
  EXPECT_EQ(split_by_name("x", 0.0, 1.0), Split::test);
}

TEST(DatasetLayout, SplitByNameRejectsBadFractions) {
  for (auto [v, t] : std::vector<std::pair<double, double>>{{-0.1, 0.1}, {0.6, 0.5}, {0.1, 1.5}, {std::nan(""), 0.1}}) {
    try {
      split_by_name("x", v, t);
      ADD_FAILURE() << v << " " << t;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    }
  }
}

}  // namespace
}  // namespace emopiano::detail
