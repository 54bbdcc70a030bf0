// The weight-file container without LibTorch: what is written reads back, and
// a table that lies about its tensors is refused even when the CRC is right
// (a file written by another program, or crafted).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "emopiano/error.hpp"
#include "model/model_file_format.hpp"
#include "model/model_file_header.hpp"
#include "model/tensor_container_layout.hpp"

namespace emopiano::detail {
namespace {

const std::vector<float> kWeights = {1.0f, -2.0f, 3.5f, 0.25f, 8.0f, -0.5f};
const std::vector<uint16_t> kHalves = {0x3c00, 0xc000, 0x4300};

std::string two_tensor_file(nlohmann::json header = {{"model", {{"n_layers", 1}}},
                                                     {"tokenizer", nlohmann::json::object()}}) {
  return build_tensor_container(
      header, {{"w", StoredDtype::f32, {2, 3}, kWeights.data()}, {"h", StoredDtype::bf16, {3}, kHalves.data()}});
}

// `bytes` with its header text changed by `edit`, sealed again with the
// right header length and CRC-32.
template <typename Edit>
std::string with_header_text(const std::string& bytes, Edit edit) {
  uint64_t header_size;
  std::memcpy(&header_size, bytes.data() + 12, 8);
  const std::string text = edit(bytes.substr(20, header_size));
  std::string out = bytes.substr(0, 12);
  const uint64_t n = text.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  out += text + bytes.substr(20 + header_size, bytes.size() - 24 - header_size);
  const uint32_t crc = crc32(out.data(), out.size());
  out.append(reinterpret_cast<const char*>(&crc), 4);
  return out;
}

// `bytes` with its header changed by `edit`, sealed again.
template <typename Edit>
std::string edited(const std::string& bytes, Edit edit) {
  return with_header_text(bytes, [&](const std::string& text) {
    auto header = nlohmann::json::parse(text);
    edit(header);
    return header.dump();
  });
}

std::string refusal(const std::string& bytes) {
  try {
    read_tensor_container(bytes, "file x.pt", {});
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "the container was read";
  return "";
}

TEST(TensorContainerLayout, WhatIsBuiltReadsBack) {
  const std::string bytes = two_tensor_file();
  const TensorContainer c = read_tensor_container(bytes, "file x.pt", {"model"});
  ASSERT_EQ(c.tensors.size(), 2u);
  EXPECT_EQ(c.tensors[0].name, "w");
  EXPECT_EQ(c.tensors[0].dtype, StoredDtype::f32);
  EXPECT_EQ(c.tensors[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(c.tensors[0].size, 24u);
  EXPECT_EQ(c.tensors[1].dtype, StoredDtype::bf16);
  EXPECT_EQ(c.tensors[1].offset % 64, 0u);
  EXPECT_EQ(std::memcmp(c.data + c.tensors[0].offset, kWeights.data(), 24), 0);
  EXPECT_EQ(std::memcmp(c.data + c.tensors[1].offset, kHalves.data(), 6), 0);
  EXPECT_EQ(c.header["model"]["n_layers"], 1);
}

TEST(TensorContainerLayout, SizeThatDisagreesWithShapeAndDtypeIsRefused) {
  const auto bytes = edited(two_tensor_file(), [](nlohmann::json& h) { h["tensors"][0]["size"] = 20; });
  EXPECT_NE(refusal(bytes).find("tensor 'w' has 20 bytes, but its shape and dtype need 24"), std::string::npos);
  const auto f16 = edited(two_tensor_file(), [](nlohmann::json& h) { h["tensors"][0]["dtype"] = "f16"; });
  EXPECT_NE(refusal(f16).find("need 12"), std::string::npos);
}

TEST(TensorContainerLayout, DuplicateNamesAreRefused) {
  const auto bytes = edited(two_tensor_file(), [](nlohmann::json& h) { h["tensors"][1]["name"] = "w"; });
  EXPECT_NE(refusal(bytes).find("tensor 'w' is stored twice"), std::string::npos);
}

TEST(TensorContainerLayout, MalformedShapesAndDtypesAreRefused) {
  for (const nlohmann::json& shape : {nlohmann::json{2, -3}, nlohmann::json{2, 1.5}, nlohmann::json("2x3"),
                                      nlohmann::json{static_cast<uint64_t>(1) << 62, uint64_t(1) << 62}}) {
    const auto bytes = edited(two_tensor_file(), [&](nlohmann::json& h) { h["tensors"][0]["shape"] = shape; });
    EXPECT_NE(refusal(bytes).find("tensor 'w' has a malformed shape"), std::string::npos) << shape;
  }
  const auto bytes = edited(two_tensor_file(), [](nlohmann::json& h) { h["tensors"][0]["dtype"] = "f64"; });
  EXPECT_NE(refusal(bytes).find("tensor 'w' has unsupported dtype 'f64'"), std::string::npos);
}

TEST(TensorContainerLayout, OffsetsPastTheDataAreRefusedWithoutOverflow) {
  // The data is 70 bytes: w at 0 (24 bytes), h at 64 (6 bytes).
  for (uint64_t offset : {static_cast<uint64_t>(65), static_cast<uint64_t>(71), UINT64_MAX - 5}) {
    const auto bytes = edited(two_tensor_file(), [&](nlohmann::json& h) { h["tensors"][1]["offset"] = offset; });
    EXPECT_NE(refusal(bytes).find("tensor 'h' lies outside the data section"), std::string::npos) << offset;
  }
}

// A header nested thousands deep would overflow the stack of the JSON code
// that reads it later (dump() is recursive).
TEST(TensorContainerLayout, DeeplyNestedHeaderIsRefused) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto bytes = with_header_text(two_tensor_file(), [&](const std::string& text) {
    return text.substr(0, text.size() - 1) + ",\"metadata\":" + deep + "}";
  });
  EXPECT_NE(refusal(bytes).find("corrupt header: nested deeper than 32 levels"), std::string::npos);
}

// Reading real generator files is tested with the bundled model (model_file_test.cpp);
// this file's two small tensors cannot hold the weights its config describes.
TEST(ModelFileHeader, RefusesOtherKindsAndConfigsTheDataCannotHold) {
  try {
    read_model_file(two_tensor_file(), "model file x.pt");
    FAIL() << "a config larger than the data was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_NE(std::string(e.what()).find("model file x.pt: its config needs at least"), std::string::npos) << e.what();
  }

  nlohmann::json classifier = {
      {"kind", "emotion-classifier"}, {"model", nlohmann::json::object()}, {"tokenizer", nlohmann::json::object()}};
  try {
    read_model_file(two_tensor_file(classifier), "model file x.pt");
    FAIL() << "a classifier file was read as a generator";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_NE(std::string(e.what()).find("not a generator model"), std::string::npos) << e.what();
  }
  nlohmann::json bad = {{"model", {{"n_heads", 3}}}, {"tokenizer", nlohmann::json::object()}};
  try {
    read_model_file(two_tensor_file(bad), "model file x.pt");
    FAIL() << "an invalid config was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::format);
    EXPECT_NE(std::string(e.what()).find("model file x.pt: model config: n_heads"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace emopiano::detail
