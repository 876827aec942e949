#include "gpu/block_cache.h"

namespace decodesim::gpu {

BlockCache::BlockCache(std::uint64_t capacity_blocks) : m_capacity(capacity_blocks) {
  // A table at most half full keeps linear-probing runs short.
  std::size_t size = 2;
  unsigned bits = 1;
  while (size < 2 * capacity_blocks) {
    size *= 2;
    ++bits;
  }
  m_table.assign(size, 0);
  m_mask = size - 1;
  m_shift = 64 - bits;
  clear();
}

std::size_t BlockCache::probe(std::uint64_t block) const {
  std::size_t i = home(block);
  while (m_table[i] != 0 && m_pool[m_table[i] - 1].block != block) i = (i + 1) & m_mask;
  return i;
}

void BlockCache::erase_slot(std::size_t i) {
  // Backward-shift deletion: move later members of the probe run into the hole.
  m_table[i] = 0;
  std::size_t j = i;
  for (;;) {
    j = (j + 1) & m_mask;
    if (m_table[j] == 0) return;
    const std::size_t h = home(m_pool[m_table[j] - 1].block);
    // Move j into the hole i unless its home lies cyclically in (i, j].
    if (((j - h) & m_mask) >= ((j - i) & m_mask)) {
      m_table[i] = m_table[j];
      m_table[j] = 0;
      i = j;
    }
  }
}

void BlockCache::unlink(std::uint32_t i) {
  Entry& e = m_pool[i];
  List& l = list_of(e.cls);
  if (e.prev != kNil) m_pool[e.prev].next = e.next;
  else l.head = e.next;
  if (e.next != kNil) m_pool[e.next].prev = e.prev;
  else l.tail = e.prev;
  e.prev = e.next = kNil;
}

void BlockCache::push_back(std::uint32_t i) {
  Entry& e = m_pool[i];
  List& l = list_of(e.cls);
  e.prev = l.tail;
  e.next = kNil;
  if (l.tail != kNil) m_pool[l.tail].next = i;
  else l.head = i;
  l.tail = i;
}

std::uint64_t BlockCache::lookup(std::uint64_t block) {
  if (m_size == 0) return 0;
  const std::size_t slot = probe(block);
  if (m_table[slot] == 0) return 0;
  const std::uint32_t i = m_table[slot] - 1;
  unlink(i);
  push_back(i);
  return m_pool[i].valid;
}

bool BlockCache::fill(std::uint64_t block, std::uint64_t mask, LineClass cls, bool dirty, std::uint64_t* victim,
                      std::uint64_t* victim_dirty) {
  if (m_capacity == 0 || mask == 0) return false;
  bool wrote_back = false;
  std::size_t slot = probe(block);
  if (m_table[slot] != 0) {
    const std::uint32_t i = m_table[slot] - 1;
    Entry& e = m_pool[i];
    unlink(i);
    e.valid |= mask;
    if (dirty) e.dirty |= mask;
    // A normal access promotes a streamed block: it is being reused after all.
    if (cls == LineClass::Normal) e.cls = LineClass::Normal;
    push_back(i);
    return false;
  }
  if (m_size >= m_capacity) {
    // Victim: the least recently used stream block if there is one, else the LRU normal block.
    const std::uint32_t v = m_stream.head != kNil ? m_stream.head : m_normal.head;
    Entry& ve = m_pool[v];
    if (ve.dirty) {
      *victim = ve.block;
      *victim_dirty = ve.dirty;
      wrote_back = true;
    }
    unlink(v);
    erase_slot(probe(ve.block));
    m_free.push_back(v);
    --m_size;
    ++m_evictions;
    slot = probe(block);  // the deletion may have shifted the probe run
  }
  const std::uint32_t i = m_free.back();
  m_free.pop_back();
  Entry& e = m_pool[i];
  e.block = block;
  e.valid = mask;
  e.dirty = dirty ? mask : 0;
  e.cls = cls;
  push_back(i);
  m_table[slot] = i + 1;
  ++m_size;
  return wrote_back;
}

void BlockCache::invalidate(std::uint64_t block, std::uint64_t mask) {
  if (m_size == 0) return;
  const std::size_t slot = probe(block);
  if (m_table[slot] == 0) return;
  const std::uint32_t i = m_table[slot] - 1;
  Entry& e = m_pool[i];
  e.valid &= ~mask;
  e.dirty &= ~mask;
  if (e.valid == 0) {
    unlink(i);
    erase_slot(slot);
    m_free.push_back(i);
    --m_size;
  }
}

void BlockCache::clear() {
  if (m_size == 0 && m_free.size() == m_capacity) return;
  std::fill(m_table.begin(), m_table.end(), 0);
  m_pool.assign(m_capacity, Entry{});
  m_free.clear();
  for (std::uint64_t i = m_capacity; i > 0; --i) m_free.push_back(static_cast<std::uint32_t>(i - 1));
  m_size = 0;
  m_normal = List{};
  m_stream = List{};
}

}  // namespace decodesim::gpu
