#include "gpu/block_cache.h"

namespace decodesim::gpu {

BlockCache::BlockCache(std::uint64_t capacity_blocks) : m_capacity(capacity_blocks) {
  m_map.reserve(static_cast<std::size_t>(capacity_blocks) * 2);
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
  const auto it = m_map.find(block);
  if (it == m_map.end()) return 0;
  unlink(it->second);
  push_back(it->second);
  return m_pool[it->second].valid;
}

bool BlockCache::fill(std::uint64_t block, std::uint64_t mask, LineClass cls, bool dirty, std::uint64_t* victim,
                      std::uint64_t* victim_dirty) {
  if (m_capacity == 0 || mask == 0) return false;
  bool wrote_back = false;
  const auto it = m_map.find(block);
  if (it != m_map.end()) {
    Entry& e = m_pool[it->second];
    unlink(it->second);
    e.valid |= mask;
    if (dirty) e.dirty |= mask;
    // A normal access promotes a streamed block: it is being reused after all.
    if (cls == LineClass::Normal) e.cls = LineClass::Normal;
    push_back(it->second);
    return false;
  }
  if (m_map.size() >= m_capacity) {
    // Victim: the least recently used stream block if there is one, else the LRU normal block.
    const std::uint32_t v = m_stream.head != kNil ? m_stream.head : m_normal.head;
    Entry& ve = m_pool[v];
    if (ve.dirty) {
      *victim = ve.block;
      *victim_dirty = ve.dirty;
      wrote_back = true;
    }
    unlink(v);
    m_map.erase(ve.block);
    m_free.push_back(v);
    ++m_evictions;
  }
  std::uint32_t i;
  if (!m_free.empty()) {
    i = m_free.back();
    m_free.pop_back();
  } else {
    i = static_cast<std::uint32_t>(m_pool.size());
    m_pool.emplace_back();
  }
  Entry& e = m_pool[i];
  e.block = block;
  e.valid = mask;
  e.dirty = dirty ? mask : 0;
  e.cls = cls;
  push_back(i);
  m_map.emplace(block, i);
  return wrote_back;
}

void BlockCache::invalidate(std::uint64_t block, std::uint64_t mask) {
  const auto it = m_map.find(block);
  if (it == m_map.end()) return;
  Entry& e = m_pool[it->second];
  e.valid &= ~mask;
  e.dirty &= ~mask;
  if (e.valid == 0) {
    unlink(it->second);
    m_free.push_back(it->second);
    m_map.erase(it);
  }
}

void BlockCache::clear() {
  m_map.clear();
  m_pool.clear();
  m_free.clear();
  m_normal = List{};
  m_stream = List{};
}

}  // namespace decodesim::gpu
