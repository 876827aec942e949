// A tag store of fixed-size blocks with 64 B sector masks and LRU replacement in two classes:
// `stream` blocks (weights, KV: read once per token) are evicted before any `normal` block
// (activations), which is how CUDA's evict_first loads keep the L2 for reused data.
//
// Used for each L2 slice and each SM's L1. Fully associative within one instance: the model
// tracks which bytes are present, not which way of which set holds them (docs/gpu.md). The
// index is an open-addressing table (linear probing, backward-shift deletion): one probe per
// access, because every SM request goes through here.
#pragma once

#include <cstdint>
#include <vector>

namespace decodesim::gpu {

enum class LineClass : std::uint8_t { Normal, Stream };

class BlockCache {
 public:
  explicit BlockCache(std::uint64_t capacity_blocks);

  /// Sectors of `block` present (bit i = sector i); refreshes the block's LRU position.
  std::uint64_t lookup(std::uint64_t block);
  /// Marks `mask` present in `block` (allocating it if needed, evicting a victim when full).
  /// Returns true and sets *victim / *victim_dirty when a block with dirty sectors was evicted.
  bool fill(std::uint64_t block, std::uint64_t mask, LineClass cls, bool dirty, std::uint64_t* victim,
            std::uint64_t* victim_dirty);
  /// Drops `mask` sectors of `block` (a write that bypasses this cache must not leave stale data).
  void invalidate(std::uint64_t block, std::uint64_t mask);
  void clear();

  std::uint64_t capacity_blocks() const { return m_capacity; }
  std::uint64_t size() const { return m_size; }
  std::uint64_t evictions() const { return m_evictions; }

 private:
  static constexpr std::uint32_t kNil = ~std::uint32_t{0};
  struct Entry {
    std::uint64_t block = 0;
    std::uint64_t valid = 0;
    std::uint64_t dirty = 0;
    std::uint32_t prev = kNil, next = kNil;
    LineClass cls = LineClass::Normal;
  };
  struct List {
    std::uint32_t head = kNil, tail = kNil;  ///< head = least recently used
  };
  void unlink(std::uint32_t i);
  void push_back(std::uint32_t i);
  List& list_of(LineClass c) { return c == LineClass::Stream ? m_stream : m_normal; }
  /// Table slot holding `block`, or the empty slot where it would go.
  std::size_t probe(std::uint64_t block) const;
  void erase_slot(std::size_t slot);
  std::size_t home(std::uint64_t block) const { return (block * 0x9e3779b97f4a7c15ULL) >> m_shift; }

  std::uint64_t m_capacity;
  std::vector<Entry> m_pool;              ///< capacity entries, allocated once
  std::vector<std::uint32_t> m_free;
  std::vector<std::uint32_t> m_table;     ///< pool index + 1; 0 = empty
  unsigned m_shift = 63;
  std::size_t m_mask = 0;
  std::uint64_t m_size = 0;
  List m_normal, m_stream;
  std::uint64_t m_evictions = 0;
};

}  // namespace decodesim::gpu
